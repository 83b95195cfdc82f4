"""A request filed without an account by someone who says they are the person, once
staff match it to a customer's account: until identity is verified the filer may be
someone else, so the account sees that the request exists but not the filer's identity
documents, words or thread (APPI art. 37, GDPR 12(6))."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from rights.models import RightsRequest
from rights.requesters.verification import (
    identity_match_subject,
    identity_reject,
    identity_verify,
)

from .identity_support import file_public_request

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

FILER = "someone@elsewhere.example"
DETAILS = "All data, please."  # the filer's words (identity_support.agent_form)


@pytest.fixture
def matched(customer, officer, django_capture_on_commit_callbacks):
    """A request filed as "I am the person", matched to ``customer``, not decided yet."""
    response = file_public_request(
        Client(HTTP_ACCEPT_LANGUAGE="en"),
        FILER,
        django_capture_on_commit_callbacks,
        capacity="self",
        requester_name="",
        authority_kind="",
        authority_document=None,
        subject_email=customer.email,
        # Two details match the customer, as matching needs (CCPA §7062(a)).
        subject_name=customer.profile.full_name,
    )
    assert response.status_code == 302, response.content
    request = RightsRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        identity_match_subject(request=request, subject=customer, actor=officer)
    return request


def _document_links(page: str, request) -> list[str]:
    return re.findall(rf'href="(/requests/{request.pk}/documents/\d+/)"', page)


def _shows_only_that_it_exists(client, request) -> None:
    page = client.get(f"/requests/{request.pk}/").content.decode()
    assert request.reference in page
    assert not _document_links(page, request)
    assert DETAILS not in page
    document = request.identity_documents.get()
    assert client.get(f"/requests/{request.pk}/documents/{document.pk}/").status_code == 404


def test_before_identity_is_verified_the_account_sees_no_document_of_the_filer(
    stepped_up_client, matched
):
    _shows_only_that_it_exists(stepped_up_client, matched)


def test_after_identity_is_refused_the_account_still_sees_none(
    stepped_up_client, matched, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        identity_reject(request=matched, actor=officer, note="The document shows someone else.")
    _shows_only_that_it_exists(stepped_up_client, matched)


def test_once_verified_as_the_person_the_account_sees_the_whole_request(
    stepped_up_client, matched, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        identity_verify(request=matched, actor=officer)
    page = stepped_up_client.get(f"/requests/{matched.pk}/").content.decode()
    (link,) = _document_links(page, matched)
    assert DETAILS in page
    assert stepped_up_client.get(link).status_code == 200
