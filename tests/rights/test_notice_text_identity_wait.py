"""A receipt text the privacy office edits cannot contradict the identity-check mail sent
with it. A request filed without an account waits for the identity check from the moment
it is filed (APPI art. 37; GDPR art. 12(3), 12(6): the clock may wait for identity): its
receipt has a text of its own, "Request received, identity to be checked", which states
no date, and an edited general receipt that quotes {due_date} never reaches it. Under the
CCPA the clock does not wait (§7021), so its receipt keeps the general text and its date."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from rights.models import NoticeText, RightsRequest
from rights.notice_overrides import notice_text_publish, notice_text_save, shipped_text
from rights.requesters.filing import Person, Requester, identity_request_file
from rights.requesters.models import Capacity
from tests.formats_support import shown_date

from .identity_support import AGENT, agent_form, confirm_email

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

WAITING = "received_identity_check"
EDITED = "Thank you. We received {reference} ({kind}) and answer by {due_date}."
PAUSED = "Until it is confirmed, the deadline for our answer is paused"


def _publish(officer, kind, body, subject="Got it: {reference}"):
    draft = notice_text_save(kind=kind, language="en", subject=subject, body=body, author=officer)
    return notice_text_publish(text=draft, actor=officer)


def _receipt_of_public_request(capture):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    confirm_email(client, AGENT, capture)
    mail.outbox.clear()
    with capture(execute=True):
        response = client.post("/requests/start/request/", agent_form())
    assert response.status_code == 302, response.content
    request = RightsRequest.objects.get()
    (receipt,) = [m for m in mail.outbox if request.reference in m.subject and "Got" in m.subject]
    return request, receipt


def test_the_text_while_identity_is_checked_refuses_the_due_date(officer, officer_client):
    translation.activate("en")  # the admin login left the site's language active
    with pytest.raises(ValidationError, match="paused"):
        notice_text_save(
            kind=WAITING, language="en", subject="Got {reference}", body=EDITED, author=officer
        )
    with pytest.raises(ValidationError, match="paused"):
        notice_text_save(
            kind=WAITING, language="en", subject="By {due_date}", body="b", author=officer
        )
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(
        "/admin/rights/noticetext/add/",
        {"kind": WAITING, "language": "en", "subject": "Got {reference}", "body": EDITED},
    )
    assert response.status_code == 200
    assert "remove {due_date}" in response.content.decode()
    assert not NoticeText.objects.exists()
    page = officer_client.get("/admin/rights/noticetext/add/", {"kind": "received"})
    assert "“Request received, identity to be checked” cannot use {due_date}" in (
        page.content.decode()
    )


def test_its_shipped_text_says_the_deadline_is_paused_and_gives_no_date():
    subject, body = shipped_text(WAITING, "en")
    assert subject == "We received your request {reference}"
    assert PAUSED in body and "{due_date}" not in body
    # Worded for someone without an account, as most who file this way are.
    assert "We will write to you at this address" in body


def test_an_edited_receipt_quoting_the_date_does_not_reach_a_request_waiting_for_identity(
    officer, django_capture_on_commit_callbacks
):
    _publish(officer, "received", EDITED)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    confirm_email(client, AGENT, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/requests/start/request/", agent_form())
    request = RightsRequest.objects.get()
    receipt = next(m for m in mail.outbox if m.subject.startswith("We received"))
    assert PAUSED in receipt.body, receipt.body
    assert "answer by" not in receipt.body
    assert shown_date(request.due_at, "en") not in receipt.body


def test_the_receipt_while_identity_is_checked_reads_its_own_edited_text(
    officer, django_capture_on_commit_callbacks
):
    _publish(officer, "received", EDITED)
    _publish(officer, WAITING, "We got {reference}. First we check who you are.")
    _request, receipt = _receipt_of_public_request(django_capture_on_commit_callbacks)
    assert receipt.body.split("\n\n", 1)[1].startswith("We got R-")  # after the greeting
    assert "First we check who you are." in receipt.body


def test_ccpa_7021_a_receipt_keeps_the_general_text_and_its_date(
    officer, django_capture_on_commit_callbacks
):
    _publish(officer, "received", EDITED)
    with django_capture_on_commit_callbacks(execute=True):
        request = identity_request_file(
            kind="deletion",
            regime="ccpa",
            requester=Requester(
                capacity=Capacity.AGENT, email=AGENT, language="en", name="Sam Agent"
            ),
            person=Person(name="Alex Smith", email="alex@example.com"),
            uploads=[],
        )
    receipt = next(m for m in mail.outbox if m.subject == f"Got it: {request.reference}")
    with timezone.override(request.zone):
        assert f"answer by {shown_date(request.due_at, 'en')}" in receipt.body
