"""Matching a request filed without an account to a customer on one detail alone (a
name that namesakes share, an old address) would answer one person's request with
another's data. CCPA §7062(a): a non-account holder is verified by matching at least two
data points; APPI art. 37: the company's identity procedure; GDPR art. 12(6): doubt is
resolved proportionately, not ignored. Staff may still match on fewer details when
something else confirms the person (a call-back, their identity document), but they say
what: the reason is recorded with the match and shown on the working page."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from portal.kernel.models import AuditEvent
from rights.models import RightsRequest
from rights.requesters.verification import identity_match_subject
from tests.factories import ProfileFactory

from .identity_support import AGENT, file_public_request

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

REASON = "Called her on the number in our records; she confirmed the request."


@pytest.fixture
def filed(django_capture_on_commit_callbacks):
    """An agent's request for 山田 花子 <hanako@example.com>, born 1980-04-01."""
    response = file_public_request(
        Client(HTTP_ACCEPT_LANGUAGE="en"), AGENT, django_capture_on_commit_callbacks
    )
    assert response.status_code == 302, response.content
    mail.outbox.clear()
    return RightsRequest.objects.get()


@pytest.fixture
def hanako(db):
    """The customer every detail matches: e-mail, name and date of birth."""
    return ProfileFactory(
        user__email="hanako@example.com", full_name="山田 花子", date_of_birth=dt.date(1980, 4, 1)
    ).user


@pytest.fixture
def namesake(db):
    """Another customer of the same name: one detail."""
    return ProfileFactory(
        user__email="other.hanako@example.com",
        full_name="山田 花子",
        date_of_birth=dt.date(1991, 9, 9),
    ).user


def test_ccpa_7062_a_match_on_one_detail_needs_a_reason(filed, namesake, officer):
    with pytest.raises(ValidationError, match="two"):
        identity_match_subject(request=filed, subject=namesake, actor=officer)
    filed.refresh_from_db()
    assert filed.subject is None
    assert not AuditEvent.objects.filter(action="identity.subject_matched").exists()

    identity_match_subject(request=filed, subject=namesake, actor=officer, reason=REASON)
    filed.refresh_from_db()
    assert filed.subject == namesake
    assert filed.identity.match_details == ["name"]
    assert filed.identity.match_note == REASON
    event = AuditEvent.objects.get(action="identity.subject_matched")
    # The trail says that a reason was given, not what it says (it may name the person).
    assert event.details == {"matched": True, "details_matched": ["name"], "reason_given": True}


def test_a_match_on_two_details_or_more_needs_none(filed, hanako, officer):
    identity_match_subject(request=filed, subject=hanako, actor=officer)
    filed.refresh_from_db()
    assert filed.subject == hanako
    assert filed.identity.match_details == ["email", "name", "date_of_birth"]
    assert filed.identity.match_note == ""


def test_a_new_match_or_undoing_it_forgets_the_reason(filed, hanako, namesake, officer):
    identity_match_subject(request=filed, subject=namesake, actor=officer, reason=REASON)
    identity_match_subject(request=filed, subject=hanako, actor=officer)
    filed.refresh_from_db()
    assert filed.identity.match_note == "" and len(filed.identity.match_details) == 3
    identity_match_subject(request=filed, subject=None, actor=officer)
    filed.refresh_from_db()
    assert filed.subject is None
    assert filed.identity.match_note == "" and filed.identity.match_details == []


def _page(officer_client, request) -> str:
    officer_client.cookies["django_language"] = "en"
    response = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _row(page: str, email: str) -> str:
    start = page.index(f"<td>{email}</td>")
    return page[start : page.index("</tr>", start)]


def test_the_staff_screen_names_the_details_and_asks_why_on_one(
    filed, hanako, namesake, officer, officer_client, django_capture_on_commit_callbacks
):
    page = _page(officer_client, filed)
    strong, weak = _row(page, hanako.email), _row(page, namesake.email)
    assert "3: e-mail, name, date of birth" in strong
    assert 'name="reason"' not in strong
    assert "1: name" in weak
    assert 'name="reason"' in weak and "required" in weak[weak.index('name="reason"') :]

    url = f"/admin/rights/rightsrequest/{filed.pk}/identity/match/"
    refused = officer_client.post(url, {"subject": namesake.pk}, follow=True)
    assert any("two" in str(m) for m in refused.context["messages"])
    filed.refresh_from_db()
    assert filed.subject is None

    officer_client.post(url, {"subject": namesake.pk, "reason": REASON})
    filed.refresh_from_db()
    assert filed.subject == namesake
    page = _page(officer_client, filed)
    assert "Matched on one detail (name): " + REASON in page
