"""The bulk actions of the payment list ask for confirmation as the working page does.

Recording several payments or waiving several fees puts each request in progress at
once: its clock runs again, its requester is told, its disclosure starts. So the form
of the action (method and day, or the reason) is followed by a page that says, fee by
fee, the amount and the request, who is told and what starts next; only the POST sent
from that page acts, and a POST made without it changes nothing.
"""

import html

import pytest
from django.utils import timezone

from portal.kernel.models import AuditEvent
from rights import fees
from rights.choices import PaymentStatus, Status
from rights.models import Payment
from tests.rights.fee_support import confirming_post, in_review, publish

pytestmark = pytest.mark.django_db

LIST = "/admin/rights/payment/"


@pytest.fixture
def pending(officer, customer, other_customer, file_request):
    publish()
    return [
        fees.fee_request(request=in_review(file_request, person, officer), actor=officer)
        for person in (customer, other_customer)
    ]


def _action(payments, action, **fields):
    return {
        "action": action,
        "_selected_action": [p.pk for p in payments],
        "apply": "1",
        **fields,
    }


def _unchanged(payments):
    for payment in payments:
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.PENDING
        assert payment.request.status == Status.AWAITING_PAYMENT
    assert not AuditEvent.objects.filter(action__in=["fee.paid", "fee.waived"]).exists()


def test_recording_several_payments_says_per_fee_what_starts_and_acts_only_once_confirmed(
    officer_client, pending
):
    officer_client.cookies["django_language"] = "en"
    today = timezone.localdate().isoformat()
    form = _action(pending, "record_paid", method="postal_order", paid_on=today)
    response = officer_client.post(LIST, form)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Nothing has been done yet." in page
    assert "Record payment received: 2 fees?" in page
    for payment in pending:
        assert (
            f"The fee {payment.reference} of ¥1,000 for {payment.request.reference} is "
            "recorded as paid (Postal money order)"
        ) in page
    assert page.count("Who is told:") == 2
    assert page.count("The disclosure starts") == 2
    assert "A recorded payment cannot be undone" in page
    _unchanged(pending)

    response = confirming_post(officer_client, response.content.decode())
    assert response.status_code == 302
    assert set(Payment.objects.values_list("status", flat=True)) == {PaymentStatus.PAID}
    assert set(Payment.objects.values_list("method", flat=True)) == {"postal_order"}
    for payment in pending:
        payment.request.refresh_from_db()
        assert payment.request.status == Status.IN_PROGRESS


def test_waiving_several_fees_quotes_the_reason_in_japanese(officer_client, pending):
    officer_client.cookies["django_language"] = "ja"
    response = officer_client.post(LIST, _action(pending, "waive", reason="長年のお客様"))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "まだ何も実行していません。" in page
    for payment in pending:
        assert payment.reference in page and payment.request.reference in page
    assert "長年のお客様" in page
    assert "1,000円" in page
    _unchanged(pending)
    confirming_post(officer_client, response.content.decode())
    assert set(Payment.objects.values_list("status", flat=True)) == {PaymentStatus.WAIVED}


def test_a_direct_post_without_the_confirmation_changes_nothing(officer_client, pending):
    """Django's own action form posted straight (a script, an old page): nothing."""
    officer_client.post(LIST, _action(pending, "waive", reason="Long-time customer"))
    officer_client.post(LIST, _action(pending, "refund", reason="Paid twice"))
    _unchanged(pending)


def test_a_fee_that_cannot_move_is_named_and_the_others_still_confirmed(
    officer_client, officer, pending
):
    officer_client.cookies["django_language"] = "en"
    fees.payment_record(payment=pending[0], method="card", provider="demo-pay")
    response = officer_client.post(LIST, _action(pending, "waive", reason="Long-time customer"))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert f"{pending[0].reference} is not changed" in page
    assert f"The fee {pending[1].reference} of ¥1,000" in page
    assert "Waive the fee: 1 fee?" in page  # the one that moves
    confirming_post(officer_client, response.content.decode())
    statuses = dict(Payment.objects.values_list("pk", "status"))
    assert statuses == {pending[0].pk: PaymentStatus.PAID, pending[1].pk: PaymentStatus.WAIVED}


def test_a_fee_changed_after_the_page_was_shown_is_shown_again_and_nothing_is_done(
    officer_client, pending
):
    """Another officer records one of the fees as paid between the page and its button:
    the button acts on none of them; the page comes back, naming the fee that changed,
    and says what confirming would do now."""
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(LIST, _action(pending, "waive", reason="Long-time customer"))
    assert "Waive the fee: 2 fees?" in html.unescape(response.content.decode())
    fees.payment_record(payment=pending[0], method="card", provider="demo-pay")

    again = confirming_post(officer_client, response.content.decode())
    assert again.status_code == 200
    page = html.unescape(again.content.decode())
    assert (
        f"{pending[0].reference} changed since you confirmed: nothing has been done. "
        "Review it again below."
    ) in page
    assert f"{pending[0].reference} is not changed" in page
    assert "Waive the fee: 1 fee?" in page
    statuses = dict(Payment.objects.values_list("pk", "status"))
    assert statuses == {pending[0].pk: PaymentStatus.PAID, pending[1].pk: PaymentStatus.PENDING}
    assert not AuditEvent.objects.filter(action="fee.waived").exists()

    # Confirmed as shown now, the other fee is waived.
    confirming_post(officer_client, again.content.decode())
    statuses = dict(Payment.objects.values_list("pk", "status"))
    assert statuses == {pending[0].pk: PaymentStatus.PAID, pending[1].pk: PaymentStatus.WAIVED}


def test_a_changed_fee_is_named_in_japanese(officer_client, pending):
    officer_client.cookies["django_language"] = "ja"
    response = officer_client.post(LIST, _action(pending, "waive", reason="長年のお客様"))
    fees.payment_record(payment=pending[1], method="card", provider="demo-pay")
    again = confirming_post(officer_client, response.content.decode())
    page = html.unescape(again.content.decode())
    assert f"{pending[1].reference}は、確認の後に変更されました" in page
    assert set(Payment.objects.filter(status=PaymentStatus.WAIVED)) == set()
