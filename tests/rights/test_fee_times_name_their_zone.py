"""The day a fee was paid or refunded names its time zone on the request's page and on
the receipt, as the day to pay by does: a payment at 00:30 in Tokyo is 6 December
in UTC and 7 December for the customer of an APPI request, and neither page may
leave the reader to guess which (see tests/test_times_name_their_zone.py)."""

import datetime as dt
import re

import pytest
import time_machine

from rights import fees
from rights.choices import PaymentMethod
from tests.rights.fee_support import in_review, page_text, publish

pytestmark = pytest.mark.django_db

# 15:30 UTC on 6 December: 00:30 on 7 December in Tokyo.
PAID = dt.datetime(2026, 12, 6, 15, 30, tzinfo=dt.UTC)
DAY = {"en": "7 Dec 2026 JST", "ja": "2026年12月7日（日本時間）"}


@pytest.fixture
def refunded(officer, customer, file_request):
    with time_machine.travel(PAID, tick=False):
        publish(amount=1000)
        payment = fees.fee_request(
            request=in_review(file_request, customer, officer), actor=officer
        )
        fees.payment_record(payment=payment, method=PaymentMethod.BANK_TRANSFER, actor=officer)
        fees.payment_refund(payment=payment, reason="Charged twice", actor=officer)
    return payment


def _text(client, url, language):
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(client, url, language)).split())


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_request_page_names_the_zone_of_the_paid_and_refunded_days(
    stepped_up_client, refunded, language
):
    page = _text(stepped_up_client, f"/requests/{refunded.request_id}/", language)
    paid = {"en": "Paid on", "ja": "お支払い日"}[language]
    refunded_on = {"en": "Refunded on", "ja": "返金日"}[language]
    assert re.search(rf"{paid} {re.escape(DAY[language])}", page)
    # The reason follows the day after the language's colon (「：」 in Japanese).
    colon = {"en": ": ", "ja": "："}[language]
    assert f"{refunded_on} {DAY[language]}{colon}Charged twice" in page


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_receipt_names_the_zone_of_its_days(stepped_up_client, refunded, language):
    page = page_text(stepped_up_client, f"/requests/{refunded.request_id}/receipt/", language)
    # The receipt itself: the policy notice above it names the day the policy took
    # effect, today's, which is the receipt's day on 7 December in Tokyo.
    receipt = " ".join(re.sub(r"<[^>]+>", " ", page.split('<article class="receipt', 1)[1]).split())
    # The date of issue, the day paid and the day refunded.
    assert receipt.count(DAY[language]) == 3, receipt
