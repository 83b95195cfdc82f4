"""Recording a payment and waiving a fee ask for confirmation first.

Either one puts the request in progress at once: the clock runs again, the requester
is told, and a disclosure starts being built. So, like the other final actions of the
working page (portal.kernel.admin_confirm), the first POST changes nothing and answers
with what will happen (the amount, the payment reference, the request, what starts
next); only the POST sent from that page acts.
"""

import html
import re

import pytest
from django.utils import timezone

from portal.kernel.models import AuditEvent
from rights import fees
from rights.choices import PaymentStatus, Status
from rights.models import Payment
from tests.rights.fee_support import fee_asked

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(officer, customer, file_request):
    return fee_asked(file_request, customer, officer)


def _url(payment, action):
    return f"/admin/rights/rightsrequest/{payment.request_id}/fee/{payment.pk}/{action}/"


def _hidden(page: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))


def _unchanged(payment):
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert payment.request.status == Status.AWAITING_PAYMENT
    assert not AuditEvent.objects.filter(action__in=["fee.paid", "fee.waived"]).exists()


def _confirmed(officer_client, payment, action, page):
    """The POST the confirmation page's button sends."""
    fields = {k: html.unescape(v) for k, v in _hidden(page).items()}
    fields.pop("csrfmiddlewaretoken", None)
    assert fields["confirm"] == "1"
    response = officer_client.post(_url(payment, action), fields)
    assert response.status_code == 302
    payment.refresh_from_db()
    payment.request.refresh_from_db()
    assert payment.request.status == Status.IN_PROGRESS
    return payment


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            [
                "Record the payment of {fee}?",
                "The fee {fee} of ¥1,000 for {request} is recorded as paid (Bank transfer), "
                "the money received on",
                "The request goes in progress: its deadline runs again from the day the money "
                "was received.",
                "The disclosure starts: the package of the person's data is built and delivered.",
                "A recorded payment cannot be undone: only a refund gives the money back.",
            ],
        ),
        (
            "ja",
            [
                "手数料{fee}の入金を記録しますか？",
                "{request}の手数料{fee}（1,000円）を、",
                "に入金があった支払済み（銀行振込）として記録します。",
                "請求は対応中になり、入金のあった日から期限の進行が再開します。",
                "開示を始めます。本人のデータの開示ファイルを作成して交付します。",
                "記録した入金は取り消せません。お金を返すときは返金を記録します。",
            ],
        ),
    ],
)
def test_recording_a_payment_says_what_starts_and_acts_only_once_confirmed(
    officer_client, pending, language, said
):
    officer_client.cookies["django_language"] = language
    today = timezone.localdate().isoformat()
    response = officer_client.post(
        _url(pending, "paid"), {"method": "bank_transfer", "paid_on": today}
    )
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for text in said:
        text = text.format(fee=pending.reference, request=pending.request.reference)
        assert text in page, text
    _unchanged(pending)

    paid = _confirmed(officer_client, pending, "paid", response.content.decode())
    assert paid.status == PaymentStatus.PAID and paid.method == "bank_transfer"


def test_waiving_a_fee_quotes_the_reason_and_acts_only_once_confirmed(officer_client, pending):
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(_url(pending, "waive"), {"reason": "Long-time customer"})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for text in [
        f"Waive the fee {pending.reference}?",
        f"The fee {pending.reference} of ¥1,000 for {pending.request.reference} is waived: "
        "nothing is charged.",
        "The reason the requester is told:",
        "Long-time customer",
        "The disclosure starts",
        "A waived fee cannot be asked again.",
    ]:
        assert text in page, text
    _unchanged(pending)

    waived = _confirmed(officer_client, pending, "waive", response.content.decode())
    assert waived.status == PaymentStatus.WAIVED
    assert waived.waiver_reason == "Long-time customer"


@pytest.mark.parametrize(
    ("action", "form"),
    [
        ("paid", {"method": "bank_transfer", "paid_on": "2020-01-01"}),  # before it was asked
        ("waive", {"reason": ""}),
    ],
)
def test_a_refused_action_says_why_at_once_without_a_confirmation(
    officer_client, pending, action, form
):
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(_url(pending, action), form)
    assert response.status_code == 302
    _unchanged(pending)


def test_a_fee_paid_meanwhile_is_not_waived_by_the_confirming_post(
    officer_client, pending, officer
):
    """The page was confirmed after a provider reported the payment: nothing more."""
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(_url(pending, "waive"), {"reason": "Long-time customer"})
    assert response.status_code == 200
    fees.payment_record(payment=pending, method="card", provider="demo-pay")
    response = officer_client.post(
        _url(pending, "waive"), {"reason": "Long-time customer", "confirm": "1"}, follow=True
    )
    assert Payment.objects.get().status == PaymentStatus.PAID
    assert not AuditEvent.objects.filter(action="fee.waived").exists()


def test_a_refund_asks_first_and_is_recorded_only_once_confirmed(officer, officer_client, pending):
    """A refund is final and the requester sees it on their request page and receipt:
    a mis-click must not record money given back that was not."""
    fees.payment_record(
        payment=pending, method="bank_transfer", paid_at=timezone.now(), actor=officer
    )
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(_url(pending, "refund"), {"reason": "Charged in error"})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Record the refund of {pending.reference}?" in page
    assert "Charged in error" in page
    assert "The requester sees the refund and its reason" in page
    pending.refresh_from_db()
    assert pending.status == PaymentStatus.PAID
    assert not AuditEvent.objects.filter(action="fee.refunded").exists()

    fields = {k: html.unescape(v) for k, v in _hidden(page).items()}
    fields.pop("csrfmiddlewaretoken", None)
    assert officer_client.post(_url(pending, "refund"), fields).status_code == 302
    pending.refresh_from_db()
    assert pending.status == PaymentStatus.REFUNDED
    assert pending.refund_reason == "Charged in error"


def test_a_refund_without_a_reason_is_refused_before_the_confirmation(
    officer, officer_client, pending
):
    fees.payment_record(
        payment=pending, method="bank_transfer", paid_at=timezone.now(), actor=officer
    )
    response = officer_client.post(_url(pending, "refund"), {"reason": "  "}, follow=True)
    assert "Record the refund" not in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == PaymentStatus.PAID
