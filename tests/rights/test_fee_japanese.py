"""The fee pages, notice and receipt in Japanese, the portal's first language."""

import re

import pytest
from django.core import mail
from django.test import override_settings

from rights import fees
from rights.choices import DeliveryMethod, Kind, PaymentMethod
from tests.rights.fee_support import in_review, page_text, publish
from tests.rights.notice_support import mail_waiting_notices

pytestmark = pytest.mark.django_db


@override_settings(RIGHTS_FEE_UNPAID_DAYS=21)
def test_the_fee_page_in_japanese(client):
    """APPI art. 38: the published amounts, in the language of the APPI customers."""
    publish(Kind.DISCLOSURE, delivery_method=DeliveryMethod.ELECTRONIC, amount=1000)
    publish(Kind.DISCLOSURE, delivery_method=DeliveryMethod.PAPER, amount=1500)
    publish(Kind.PURPOSE_NOTICE, amount=500)
    page = page_text(client, "/fees/", "ja")
    for text in (
        "現在の手数料",
        "1,000円",
        "1,500円",
        "500円",
        "開示",
        "利用目的の通知",
        "お支払い方法",
        "銀行振込",
        "コンビニエンスストア",
        "定額小為替",
        "21日",
    ):
        assert text in page, text


def test_the_fee_notice_and_receipt_in_japanese(
    stepped_up_client, customer, officer, file_request, django_capture_on_commit_callbacks
):
    publish(amount=1000)
    request = in_review(file_request, customer, officer)
    mail_waiting_notices()
    with django_capture_on_commit_callbacks(execute=True):
        payment = fees.fee_request(request=request, actor=officer)
    (notice,) = [m for m in mail.outbox if m.to == [customer.email]]
    assert "手数料" in notice.subject
    assert "1,000円" in notice.body and "お支払い番号" in notice.body
    page = page_text(stepped_up_client, f"/requests/{request.pk}/", "ja")
    assert "お支払い期限" in page and payment.reference in page

    fees.payment_record(payment=payment, method=PaymentMethod.BANK_TRANSFER, actor=officer)
    receipt = page_text(stepped_up_client, f"/requests/{request.pk}/receipt/", "ja")
    for text in ("領収書", "1,000円", "税込", "様", "銀行振込", payment.reference):
        assert text in receipt, text
    assert _amount_line(receipt) == "1,000円（税込）"
    assert _amount_line(page_text(stepped_up_client, f"/requests/{request.pk}/receipt/", "en")) == (
        "¥1,000 (tax included)"
    )


def _amount_line(page: str) -> str:
    """The receipt's amount as read on it, without its markup."""
    line = re.search(r'<p class="receipt-amount">(.*?)</p>', page, re.S).group(1)
    return re.sub(r"<[^>]+>", "", line).strip()
