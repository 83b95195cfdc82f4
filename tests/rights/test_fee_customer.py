"""The fee on the customer's request page, the receipt, withdrawing before paying."""

import pytest
from django.core import mail

from portal.kernel.models import AuditEvent
from rights import fees
from rights.choices import PaymentMethod, Regime
from rights.models import RequestNotification
from rights.notice_text import render_notice
from tests.formats_support import shown_date
from tests.rights.fee_support import fee_asked, in_review, page_text
from tests.rights.notice_support import mail_waiting_notices

pytestmark = pytest.mark.django_db


@pytest.fixture
def fee_due(officer, customer, file_request):
    return fee_asked(file_request, customer, officer)


def test_the_request_page_shows_the_fee_due_reference_deadline_and_how_to_pay(
    stepped_up_client, fee_due
):
    page = page_text(stepped_up_client, f"/requests/{fee_due.request_id}/", "en")
    assert "¥1,000" in page
    assert fee_due.reference in page
    assert shown_date(fee_due.due_at, "en") in page
    for text in ("Bank transfer", "Postal money order", "Withdraw this request"):
        assert text in page, text
    assert "/receipt/" not in page
    # The notice on the page states the same.
    assert f"Payment reference: {fee_due.reference}" in page


def test_the_receipt_is_offered_once_paid(stepped_up_client, fee_due, officer):
    url = f"/requests/{fee_due.request_id}/receipt/"
    assert stepped_up_client.get(url).status_code == 404  # not paid yet
    fees.payment_record(payment=fee_due, method=PaymentMethod.BANK_TRANSFER, actor=officer)

    page = page_text(stepped_up_client, f"/requests/{fee_due.request_id}/", "en")
    assert url in page
    receipt = page_text(stepped_up_client, url, "en")
    assert "Receipt" in receipt
    assert "¥1,000" in receipt and fee_due.reference in receipt
    assert fee_due.request.subject.profile.full_name in receipt
    assert AuditEvent.objects.filter(action="request.receipt_viewed").count() == 1


def test_another_customer_cannot_see_the_receipt(
    fee_due, officer, other_customer, client, django_capture_on_commit_callbacks
):
    """DESIGN security baseline: every lookup scoped to the person; a wrong id is a 404."""
    from tests.conftest import last_code

    fees.payment_record(payment=fee_due, method=PaymentMethod.BANK_TRANSFER, actor=officer)
    url = f"/requests/{fee_due.request_id}/receipt/"
    client.force_login(other_customer)
    assert "/accounts/code/" in client.get(url)["Location"]  # step-up first
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/code/", {"send": "1"})
    client.post("/accounts/code/", {"token": last_code(), "verify": "1"})
    assert client.get(url).status_code == 404


def test_a_refunded_fee_shows_on_the_receipt(stepped_up_client, fee_due, officer):
    fees.payment_record(payment=fee_due, method=PaymentMethod.CARD, actor=officer)
    fees.payment_refund(payment=fee_due, reason="Charged twice", actor=officer)
    receipt = page_text(stepped_up_client, f"/requests/{fee_due.request_id}/receipt/", "en")
    assert "Refunded on" in receipt
    page = page_text(stepped_up_client, f"/requests/{fee_due.request_id}/", "en")
    assert "Charged twice" in page


def test_a_waived_fee_shows_why(stepped_up_client, fee_due, officer):
    fees.payment_waive(payment=fee_due, reason="Hardship", actor=officer)
    page = page_text(stepped_up_client, f"/requests/{fee_due.request_id}/", "en")
    assert "Waived" in page and "Hardship" in page
    assert "/receipt/" not in page


def test_the_customer_withdraws_before_paying(stepped_up_client, fee_due):
    """GDPR 12(5) / APPI art. 38: told the fee, the person may decline and withdraw."""
    response = stepped_up_client.post(f"/requests/{fee_due.request_id}/withdraw/")
    assert response.status_code == 302
    fee_due.refresh_from_db()
    assert fee_due.status == "cancelled"
    assert fee_due.request.status == "withdrawn"


def test_appi_art_38_the_withdrawal_email_says_the_fee_is_cancelled_and_nothing_is_due(
    stepped_up_client, fee_due, customer, django_capture_on_commit_callbacks
):
    """APPI art. 38: a fee withdrawn from before it is paid is not charged; the e-mail
    that confirms the withdrawal says so, in Japanese and in English."""
    mail_waiting_notices()
    with django_capture_on_commit_callbacks(execute=True):
        stepped_up_client.post(f"/requests/{fee_due.request_id}/withdraw/")
    (body,) = [m.body for m in mail.outbox if m.to == [customer.email]]
    assert "状況：取り下げ" in body
    assert "手数料（1,000円）は取り消しとなりました。お支払いいただく必要はございません。" in body
    assert f"お支払い番号：{fee_due.reference}" in body
    notice = RequestNotification.objects.filter(
        request=fee_due.request, kind="status_changed"
    ).latest("pk")
    _subject, english = render_notice(notice, language="en")
    assert "is now: Withdrawn." in english
    assert "The fee of ¥1,000 is cancelled: there is nothing to pay." in english
    assert f"Payment reference: {fee_due.reference}" in english


def test_gdpr_request_page_has_no_fee_box(stepped_up_client, customer, officer, file_request):
    request = in_review(file_request, customer, officer, regime=Regime.GDPR)
    page = page_text(stepped_up_client, f"/requests/{request.pk}/", "en")
    assert "Payment reference" not in page


def _thread(page: str) -> str:
    start = page.index('class="rr-timeline"')
    return page[start : page.index("</ol>", start)]


@pytest.mark.parametrize(
    ("language", "cancelled", "paid"),
    [
        ("en", "Fee of ¥1,000: Cancelled", "Fee of ¥1,000: Paid"),
        ("ja", "手数料（1,000円）：取消し", "手数料（1,000円）：お支払い済み"),
    ],
)
def test_the_thread_says_what_happened_to_the_fee(
    stepped_up_client, fee_due, officer, customer, file_request, language, cancelled, paid
):
    """A fee's entry in the timeline says whether it was paid or cancelled, not just
    "Fee": withdrawn before paying, nothing is charged."""
    stepped_up_client.post(f"/requests/{fee_due.request_id}/withdraw/")
    thread = _thread(page_text(stepped_up_client, f"/requests/{fee_due.request_id}/", language))
    assert cancelled in thread

    second = fees.fee_request(request=in_review(file_request, customer, officer), actor=officer)
    fees.payment_record(payment=second, method=PaymentMethod.BANK_TRANSFER, actor=officer)
    thread = _thread(page_text(stepped_up_client, f"/requests/{second.request_id}/", language))
    assert paid in thread


def test_the_date_paid_and_the_way_read_in_japanese_brackets(stepped_up_client, fee_due, officer):
    fees.payment_record(payment=fee_due, method=PaymentMethod.BANK_TRANSFER, actor=officer)
    page = page_text(stepped_up_client, f"/requests/{fee_due.request_id}/", "ja")
    paid_on = shown_date(fee_due.request.payments.get().paid_at, "ja")
    # The day names its zone (the request's), then the way in brackets of its own.
    assert f"{paid_on}（日本時間）（銀行振込）" in page
    page = page_text(stepped_up_client, f"/requests/{fee_due.request_id}/", "en")
    paid_on = shown_date(fee_due.request.payments.get().paid_at, "en")
    assert f"{paid_on} JST (Bank transfer)" in page


@pytest.fixture
def paid_then_asked(fee_due, officer):
    """The fee paid (the work begins), then staff ask the person a question."""
    from rights import workflow

    fees.payment_record(payment=fee_due, method=PaymentMethod.BANK_TRANSFER, actor=officer)
    request = fee_due.request
    request.refresh_from_db()
    workflow.transition(
        request, to="awaiting_customer", actor=officer, reason="Which years do you need?"
    )
    return fee_due


def test_once_the_fee_is_paid_the_customer_is_told_how_to_stop_not_offered_a_withdrawal(
    stepped_up_client, paid_then_asked
):
    """The person may decline the fee and withdraw before paying (APPI art. 38, GDPR
    12(5)); once paid, a withdrawal on the page would keep the money with no word of
    it. The page says what to do instead, and a direct POST changes nothing."""
    url = f"/requests/{paid_then_asked.request_id}/"
    page = page_text(stepped_up_client, url, "en")
    assert "Withdraw this request" not in page
    assert "The fee is paid, so this request can no longer be withdrawn here" in page

    stepped_up_client.post(f"{url}withdraw/")
    paid_then_asked.refresh_from_db()
    assert paid_then_asked.status == "paid"
    assert paid_then_asked.request.status == "awaiting_customer"
