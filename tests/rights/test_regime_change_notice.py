"""When staff find that another law governs a request (the customer lives in the EU,
in California), its deadline changes: the person is told the law and the new date, as
an extension is told, so the receipt's date is not the last word they read (GDPR
art. 12(1) and 12(3), CCPA §7021(a), APPI art. 37)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from rights.choices import Regime, Status
from rights.models import RequestNotification
from rights.notice_overrides import notice_text_publish, notice_text_save, shipped_text
from rights.services import request_change_regime
from rights.workflow import transition

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
LATE_JANUARY = dt.datetime(2026, 1, 31, 23, 30, tzinfo=BERLIN)


@pytest.fixture
def english_customer(customer):
    customer.language = "en"
    customer.save(update_fields=["language"])
    return customer


def _change(request, regime, officer, capture):
    with capture(execute=True):
        return request_change_regime(
            request=request, regime=regime, reason="Lives in Germany", actor=officer
        )


def test_the_person_is_told_the_law_and_the_new_date(
    english_customer, officer, file_request, django_capture_on_commit_callbacks
):
    """GDPR art. 12(3): filed 31 Jan 23:30 in Berlin, due 28 Feb under the GDPR."""
    with time_machine.travel(LATE_JANUARY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            request = file_request(english_customer)
        mail.outbox.clear()
        request = _change(request, Regime.GDPR, officer, django_capture_on_commit_callbacks)
    notice = RequestNotification.objects.get(request=request, kind="regime_changed")
    assert notice.context["regime"] == Regime.GDPR
    [sent] = mail.outbox
    assert sent.to == [english_customer.email]
    assert sent.subject == f"The deadline of request {request.reference} has changed"
    assert "under GDPR (EU)" in sent.body
    assert "We will answer by 28 Feb 2026 CET at the latest." in sent.body
    assert "Lives in Germany" not in sent.body  # staff's reason is for staff


def test_the_request_page_shows_the_notice_in_japanese(
    customer, officer, file_request, stepped_up_client, django_capture_on_commit_callbacks
):
    customer.language = "ja"
    customer.save(update_fields=["language"])
    with time_machine.travel(LATE_JANUARY, tick=False):
        request = file_request(customer)
        request = _change(request, Regime.GDPR, officer, django_capture_on_commit_callbacks)
    page = stepped_up_client.get(f"/requests/{request.pk}/").content.decode()
    assert "GDPR（EU）" in page
    assert "遅くとも2026年2月28日（欧州中部時間）までに回答いたします。" in page


def test_a_paused_request_is_told_the_law_but_no_date(
    english_customer, officer, file_request, django_capture_on_commit_callbacks
):
    """While the request waits for the person, its deadline is paused (GDPR art. 12(3)
    counts from what the controller needs): the notice gives no date that would move."""
    with django_capture_on_commit_callbacks(execute=True):
        request = file_request(english_customer)
        transition(request, to=Status.IN_REVIEW, actor=officer)
        transition(request, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which one?")
    mail.outbox.clear()
    _change(request, Regime.GDPR, officer, django_capture_on_commit_callbacks)
    [sent] = mail.outbox
    assert "under GDPR (EU)" in sent.body
    assert "We will answer by" not in sent.body
    assert "paused" in sent.body


def test_no_notice_when_the_law_stays(
    english_customer, officer, file_request, django_capture_on_commit_callbacks
):
    request = file_request(english_customer, regime=Regime.GDPR)
    mail.outbox.clear()
    _change(request, Regime.GDPR, officer, django_capture_on_commit_callbacks)
    assert not RequestNotification.objects.filter(kind="regime_changed").exists()
    assert not mail.outbox


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_editors_starting_text_names_the_law_by_a_placeholder(language):
    """The notice's starting point in the editor named no law («…under , the law that
    applies…», 「…にはが適用されるため」): the law is the placeholder {regime}."""
    subject, body = shipped_text("regime_changed", language)
    assert "{regime}" in body
    assert "under ," not in body and "にはが" not in body
    # The date is a placeholder too, in either language.
    assert "{due_date}" in body and "2099" not in body


def test_an_edited_text_names_the_law_the_request_moved_to(
    english_customer, officer, file_request, django_capture_on_commit_callbacks
):
    """GDPR art. 12(1): the person is told in the edited text which law now applies."""
    draft = notice_text_save(
        kind="regime_changed",
        language="en",
        subject="Request {reference}",
        body="We now handle {reference} under {regime}.",
        author=officer,
    )
    notice_text_publish(text=draft, actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        request = file_request(english_customer)
    mail.outbox.clear()
    _change(request, Regime.GDPR, officer, django_capture_on_commit_callbacks)
    [sent] = mail.outbox
    assert f"We now handle {request.reference} under GDPR (EU)." in sent.body
