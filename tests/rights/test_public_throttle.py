"""The limits on the public request form and the follow page count what they protect:
requests filed and messages sent per address, not the visitor's mistakes on the form
(five mistakes used to lock a requester out of their own request for an hour)."""

from __future__ import annotations

import pytest
from django.test import Client

from rights.choices import Status
from rights.models import RightsRequest
from rights.requesters.verification import identity_verify
from rights.workflow import transition
from tests.cache_support import cache_down

from .identity_support import AGENT, agent_form, confirm, confirm_email, link_in, notice_to

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]


@pytest.fixture
def visitor():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _send_form(visitor, capture, **overrides):
    with capture(execute=True):
        return visitor.post("/requests/start/request/", agent_form(**overrides))


def _asked_and_followed(visitor, filed, officer, capture) -> str:
    """Staff ask the requester a question; they open the follow link and confirm
    their address. Returns the follow page's address."""
    with capture(execute=True):
        identity_verify(request=filed, actor=officer, no_customer=True)
        transition(filed, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which address?")
    url = link_in(notice_to(AGENT, "Which address?"))
    confirm(visitor, url, capture)
    return url


def test_mistakes_on_the_form_do_not_use_up_the_addresss_filings(
    visitor, settings, django_capture_on_commit_callbacks
):
    settings.RIGHTS_PUBLIC_RATE_FORM_EMAIL = "2/h"
    capture = django_capture_on_commit_callbacks
    confirm_email(visitor, AGENT, capture)
    for _attempt in range(4):
        refused = _send_form(visitor, capture, documents_consent=None)
        assert refused.status_code == 200
        assert "errorlist" in refused.content.decode()
    assert _send_form(visitor, capture).status_code == 302
    assert RightsRequest.objects.count() == 1


def test_filings_are_still_limited_per_address(
    visitor, settings, django_capture_on_commit_callbacks
):
    settings.RIGHTS_PUBLIC_RATE_FORM_EMAIL = "1/h"
    capture = django_capture_on_commit_callbacks
    confirm_email(visitor, AGENT, capture)
    assert _send_form(visitor, capture).status_code == 302
    confirm_email(visitor, AGENT, capture)
    refused = _send_form(visitor, capture, details="Another copy, please.")
    assert refused.status_code == 429
    assert RightsRequest.objects.count() == 1
    # A mistake on the form still meets the limit once it is reached, before the
    # visitor corrects it in vain.
    assert _send_form(visitor, capture, documents_consent=None).status_code == 429


def test_mistakes_on_the_form_count_against_the_network_address(
    visitor, settings, django_capture_on_commit_callbacks
):
    """Someone sending the form again and again from one place still meets a limit."""
    settings.RIGHTS_PUBLIC_RATE_FORM_IP = "3/h"
    capture = django_capture_on_commit_callbacks
    confirm_email(visitor, AGENT, capture)
    statuses = [_send_form(visitor, capture, documents_consent=None).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_requester_follows_their_request_after_mistakes_on_the_form(
    visitor, settings, officer, django_capture_on_commit_callbacks
):
    """A message and a withdrawal on the follow page are counted apart from the form."""
    settings.RIGHTS_PUBLIC_RATE_FORM_EMAIL = "2/h"
    capture = django_capture_on_commit_callbacks
    confirm_email(visitor, AGENT, capture)
    assert _send_form(visitor, capture, documents_consent=None).status_code == 200
    assert _send_form(visitor, capture).status_code == 302
    filed = RightsRequest.objects.get()
    url = _asked_and_followed(visitor, filed, officer, capture)
    with capture(execute=True):
        sent = visitor.post(url, {"body": "taro@example.com"})
    assert sent.status_code == 302
    assert filed.messages.count() == 1
    withdrawn = visitor.post(url + "withdraw/", {"reason": ""})
    assert withdrawn.status_code == 302
    filed.refresh_from_db()
    assert filed.status == Status.WITHDRAWN


def test_messages_on_the_follow_page_have_their_own_limit(
    visitor, settings, officer, django_capture_on_commit_callbacks
):
    settings.RIGHTS_PUBLIC_RATE_FOLLOW_EMAIL = "2/h"
    capture = django_capture_on_commit_callbacks
    confirm_email(visitor, AGENT, capture)
    assert _send_form(visitor, capture).status_code == 302
    filed = RightsRequest.objects.get()
    url = _asked_and_followed(visitor, filed, officer, capture)
    statuses = []
    for n in range(3):
        with capture(execute=True):
            statuses.append(visitor.post(url, {"body": f"message {n}"}).status_code)
    assert statuses == [302, 302, 429]
    assert filed.messages.count() == 2


def test_the_public_form_works_while_the_shared_cache_is_down(
    visitor, django_capture_on_commit_callbacks
):
    """With Redis stopped the first step of /requests/start/ answered 500 (the limits
    count in the cache). Like the login throttle, the steps go through and the
    failure is logged; the code mail waits in the outbox."""
    capture = django_capture_on_commit_callbacks
    with cache_down():
        confirm_email(visitor, AGENT, capture)
        assert _send_form(visitor, capture).status_code == 302
    assert RightsRequest.objects.count() == 1
