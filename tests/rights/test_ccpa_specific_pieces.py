"""A Californian without an account who asks to know the specific pieces of personal
information (a disclosure: the copy of their data) is verified to a reasonably high degree
of certainty: three data points they gave match ours, and a declaration they signed under
penalty of perjury that they are the consumer (CCPA §7062(c)). Categories only, or a
deletion, need two data points (§7062(b), (d)); APPI and GDPR keep their own procedure.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from portal.kernel.models import AuditEvent
from rights.choices import Regime, Status
from rights.models import RightsRequest
from rights.requesters.verification import identity_match_subject, identity_verify
from tests.factories import ProfileFactory

from .identity_support import file_public_request

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

CONSUMER = "hanako@example.com"


@pytest.fixture
def hanako(db):
    return ProfileFactory(
        user__email=CONSUMER, full_name="山田 花子", date_of_birth=dt.date(1980, 4, 1)
    ).user


def _filed(capture, *, kind="disclosure", regime=Regime.CCPA, **overrides):
    """The consumer's own request without an account, answered under ``regime``."""
    form = {
        "capacity": "self",
        "requester_name": "",
        "authority_kind": "",
        "authority_document": None,
        "kind": kind,
        "everything": "on" if kind == "deletion" else None,
        "delivery_method": "electronic" if kind == "disclosure" else None,
    }
    response = file_public_request(
        Client(HTTP_ACCEPT_LANGUAGE="en"), CONSUMER, capture, **(form | overrides)
    )
    assert response.status_code == 302, response.content
    mail.outbox.clear()
    request = RightsRequest.objects.get()
    # Staff set the law the request is answered under.
    RightsRequest.objects.filter(pk=request.pk).update(regime=regime)
    request.refresh_from_db()
    return request


def test_ccpa_7062_c_specific_pieces_need_three_data_points(
    django_capture_on_commit_callbacks, hanako, officer
):
    # Name and date of birth match; the address given for the person is not ours.
    request = _filed(django_capture_on_commit_callbacks, subject_email="old@example.com")
    identity_match_subject(request=request, subject=hanako, actor=officer)
    assert request.identity.match_details == ["name", "date_of_birth"]

    with pytest.raises(ValidationError, match="three"):
        identity_verify(request=request, actor=officer, declaration=True)
    request.refresh_from_db()
    assert request.status == Status.AWAITING_VERIFICATION
    assert not AuditEvent.objects.filter(action="identity.verified").exists()


def test_ccpa_7062_c_specific_pieces_need_the_signed_declaration(
    django_capture_on_commit_callbacks, hanako, officer
):
    request = _filed(django_capture_on_commit_callbacks)
    identity_match_subject(request=request, subject=hanako, actor=officer)
    assert len(request.identity.match_details) == 3

    with pytest.raises(ValidationError, match="declaration"):
        identity_verify(request=request, actor=officer)
    request.refresh_from_db()
    assert request.status == Status.AWAITING_VERIFICATION

    identity_verify(request=request, actor=officer, declaration=True)
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    assert request.identity.declaration_signed
    event = AuditEvent.objects.get(action="identity.verified")
    assert event.details["declaration"] is True


@pytest.mark.parametrize(
    "kind, regime",
    [("deletion", Regime.CCPA), ("disclosure", Regime.APPI), ("disclosure", Regime.GDPR)],
)
def test_ccpa_7062_b_d_two_data_points_do_elsewhere(
    django_capture_on_commit_callbacks, hanako, officer, kind, regime
):
    request = _filed(
        django_capture_on_commit_callbacks,
        kind=kind,
        regime=regime,
        subject_email="old@example.com",
    )
    identity_match_subject(request=request, subject=hanako, actor=officer)
    identity_verify(request=request, actor=officer)
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    assert not request.identity.declaration_signed


def test_ccpa_7062_c_the_working_page_asks_for_the_declaration(
    django_capture_on_commit_callbacks, hanako, officer_client
):
    request = _filed(django_capture_on_commit_callbacks)
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    assert page.status_code == 200
    assert 'name="declaration"' in page.content.decode()
