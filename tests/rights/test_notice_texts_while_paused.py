"""A notice sent while the request waits for the person never quotes a date the wait will
move. Under APPI and the GDPR the deadline is paused while the request waits for an
identity check, the fee or the information asked (GDPR art. 12(3); APPI art. 33(3) "without
delay" counts from what the company needs); the CCPA's clock runs on (§7021(b)).

Notices only ever sent when a wait starts refuse {due_date} in the admin editor. Notices
sent either while the clock runs or while it waits (a change of law, an extension, a
message) keep an edited text that quotes {due_date}; sent while the deadline is paused,
the shipped text, which words the wait, goes instead, and the audit trail says why."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from portal.kernel.models import AuditEvent
from rights.choices import Regime, Status
from rights.models import NoticeText, RequestNotification
from rights.notice_overrides import notice_text_publish, notice_text_save
from rights.services import message_post, request_change_regime, request_extend
from rights.workflow import transition
from tests.formats_support import shown_date

pytestmark = pytest.mark.django_db

PAUSED = "The deadline is paused while we wait for what we asked of you"


@pytest.fixture
def english_customer(customer):
    customer.language = "en"
    customer.save(update_fields=["language"])
    return customer


def _publish(officer, kind, body, language="en", subject="About {reference}"):
    draft = notice_text_save(
        kind=kind, language=language, subject=subject, body=body, author=officer
    )
    return notice_text_publish(text=draft, actor=officer)


@pytest.mark.parametrize(
    ("kind", "why"),
    [
        ("verification_needed", "until identity is confirmed"),
        ("information_needed", "until they answer"),
        ("fee_due", "until it is paid"),
    ],
)
def test_gdpr_12_3_a_notice_sent_when_a_wait_starts_refuses_the_due_date(officer, kind, why):
    """GDPR art. 12(3), APPI art. 33(3): these notices go out as the clock stops."""
    translation.activate("en")
    for subject, body in (("About {reference}", "Answer by {due_date}."), ("By {due_date}", "b")):
        with pytest.raises(ValidationError, match=why) as refused:
            notice_text_save(kind=kind, language="en", subject=subject, body=body, author=officer)
        assert "remove {due_date}" in refused.value.messages[0]
    assert not NoticeText.objects.exists()
    with (
        translation.override("ja"),
        pytest.raises(ValidationError, match="{due_date} を削除してください"),
    ):
        notice_text_save(
            kind=kind, language="ja", subject="件名", body="{due_date}", author=officer
        )


def test_the_admin_editor_says_why_in_both_languages(officer_client):
    for language, wording in (
        ("en", "under APPI and the GDPR the deadline is paused until it is paid"),
        ("ja", "手数料のお支払いを待ち始めるときに送られます"),
    ):
        officer_client.cookies["django_language"] = language
        response = officer_client.post(
            "/admin/rights/noticetext/add/",
            {"kind": "fee_due", "language": "en", "subject": "Fee", "body": "By {due_date}"},
        )
        assert response.status_code == 200
        assert wording in response.content.decode()
    assert not NoticeText.objects.exists()


def test_a_notice_sent_either_way_may_still_quote_the_due_date(officer):
    for kind in ("regime_changed", "extended", "message"):
        notice_text_save(
            kind=kind, language="en", subject="{reference}", body="By {due_date}", author=officer
        )
    assert NoticeText.objects.count() == 3


def _waiting(customer, officer, file_request, capture, **filed):
    with capture(execute=True):
        request = file_request(customer, **filed)
        transition(request, to=Status.IN_REVIEW, actor=officer)
        transition(request, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which one?")
    mail.outbox.clear()
    return request


def test_gdpr_12_3_a_change_of_law_while_waiting_sends_the_shipped_text(
    english_customer, officer, file_request, stepped_up_client, django_capture_on_commit_callbacks
):
    """GDPR art. 12(3): the edited text's date would move with the wait; the shipped one
    says the deadline is paused. Staff read why in the audit trail and the notice's record."""
    edited = _publish(officer, "regime_changed", "Now under new law. We answer by {due_date}.")
    request = _waiting(english_customer, officer, file_request, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        request = request_change_regime(
            request=request, regime=Regime.GDPR, reason="Lives in Germany", actor=officer
        )
    [sent] = mail.outbox
    assert PAUSED in sent.body, sent.body
    assert "Now under new law" not in sent.body
    with timezone.override(request.zone):
        assert shown_date(request.due_at, "en") not in sent.body
    notice = RequestNotification.objects.get(request=request, kind="regime_changed")
    assert notice.context["paused"] is True
    set_aside = {"kind": "regime_changed", "language": "en", "version": edited.version}
    assert notice.context["edited_texts_set_aside"] == [set_aside]
    event = AuditEvent.objects.get(action="notice.edited_text_set_aside")
    assert event.target == f"rights.rightsrequest:{request.pk}"
    assert event.details == {**set_aside, "notice": notice.pk, "reason": "due_date_while_paused"}
    stepped_up_client.cookies["django_language"] = "en"
    page = stepped_up_client.get(f"/requests/{request.pk}/").content.decode()
    assert PAUSED in page
    assert "Now under new law" not in page


@pytest.mark.parametrize(
    ("regime", "waiting"),
    [(Regime.GDPR, False), (Regime.CCPA, True)],
    ids=["gdpr_12_3_clock_running", "ccpa_7021_b_waiting_but_clock_runs"],
)
def test_while_the_clock_runs_a_change_of_law_reads_the_edited_text_and_its_date(
    english_customer, officer, file_request, django_capture_on_commit_callbacks, regime, waiting
):
    """GDPR art. 12(3) before any wait; CCPA §7021(b): the 45 days run whatever the request
    waits for. Either way the date is real, and the edited text gives it."""
    _publish(officer, "regime_changed", "Now under new law. We answer by {due_date}.")
    capture = django_capture_on_commit_callbacks
    if waiting:
        request = _waiting(english_customer, officer, file_request, capture)
    else:
        with capture(execute=True):
            request = file_request(english_customer)
        mail.outbox.clear()
    with capture(execute=True):
        request = request_change_regime(
            request=request, regime=regime, reason="Moved", actor=officer
        )
    [sent] = mail.outbox
    with timezone.override(request.zone):
        assert f"We answer by {shown_date(request.due_at, 'en')}" in sent.body
    assert not AuditEvent.objects.filter(action="notice.edited_text_set_aside").exists()


def test_gdpr_12_3_an_extension_while_waiting_gives_no_date_that_moves(
    english_customer, officer, file_request, django_capture_on_commit_callbacks
):
    """GDPR art. 12(3): the extension is told with its reason, but while the deadline is
    paused, the date it sets still moves: neither the edited nor the shipped text gives it."""
    _publish(officer, "extended", "More time needed: {reason}. New date: {due_date}.")
    request = _waiting(
        english_customer,
        officer,
        file_request,
        django_capture_on_commit_callbacks,
        regime=Regime.GDPR,
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = request_extend(
            request=request,
            new_deadline=request.received_at + dt.timedelta(days=40),
            reason="Many systems to search",
            actor=officer,
        )
    [sent] = mail.outbox
    assert "New date" not in sent.body
    assert "Many systems to search" in sent.body
    assert PAUSED in sent.body
    with timezone.override(request.zone):
        assert shown_date(request.due_at, "en") not in sent.body
    assert AuditEvent.objects.filter(action="notice.edited_text_set_aside").count() == 1


def test_appi_33_3_a_message_while_waiting_sends_the_shipped_text(
    customer, officer, file_request, django_capture_on_commit_callbacks
):
    """APPI art. 33(3), in Japanese: a staff message sent while the request waits."""
    _publish(officer, "message", "{reference} について。回答期限：{due_date}", language="ja")
    request = _waiting(customer, officer, file_request, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        message_post(request=request, author=officer, body="Which account?")
    [sent] = mail.outbox
    assert "回答期限：" not in sent.body
    assert sent.body.split("\n\n", 1)[1].startswith(  # after the greeting
        f"ご請求 {request.reference}（開示）について、メッセージをお送りしました。"
    )
    assert AuditEvent.objects.filter(action="notice.edited_text_set_aside").exists()


def test_the_admin_tells_staff_a_text_quoting_the_date_is_set_aside_while_paused(
    officer, officer_client
):
    """GDPR art. 12(3): staff learn before publishing that the date is not sent while the
    deadline is paused, and which notices cannot quote it at all."""
    officer_client.cookies["django_language"] = "en"
    quoting, dateless = (
        notice_text_save(
            kind="regime_changed", language="en", subject="{reference}", body=body, author=officer
        )
        for body in ("By {due_date}", "New law.")
    )
    note = "when this notice is sent while the request's deadline is paused"
    page = officer_client.get(f"/admin/rights/noticetext/{quoting.pk}/change/").content.decode()
    assert note in page
    page = officer_client.get(f"/admin/rights/noticetext/{dateless.pk}/change/").content.decode()
    assert note not in page
    page = officer_client.get("/admin/rights/noticetext/add/").content.decode()
    assert "“Fee due” cannot use {due_date} either" in page
    assert "when one of them is sent while the deadline is paused, the shipped text" in page
