"""The public fee page and the fee warning on the request forms."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from rights.choices import DeliveryMethod, Kind
from tests.rights.fee_support import page_text, publish

pytestmark = pytest.mark.django_db


@override_settings(RIGHTS_FEE_UNPAID_DAYS=21)
def test_the_fee_page_shows_the_current_schedule(client):
    """APPI art. 38: the amount must be published; the unpaid period is stated with it."""
    publish(Kind.DISCLOSURE, delivery_method=DeliveryMethod.ELECTRONIC, amount=1000)
    publish(Kind.DISCLOSURE, delivery_method=DeliveryMethod.PAPER, amount=1500)
    publish(Kind.PURPOSE_NOTICE, amount=500)
    # An ended fee and a future one are not shown.
    publish(
        Kind.PURPOSE_NOTICE,
        delivery_method=DeliveryMethod.PAPER,
        amount=9999,
        effective_from=dt.date(2020, 1, 1),
        effective_until=dt.date(2021, 1, 1),
    )
    publish(
        Kind.DISCLOSURE,
        delivery_method=DeliveryMethod.PAPER,
        amount=7777,
        effective_from=timezone.localdate() + dt.timedelta(days=30),
    )

    en = page_text(client, "/fees/", "en")
    for text in (
        "¥1,000",
        "¥1,500",
        "¥500",
        "Disclosure",
        "Notice of purposes of use",
        "Bank transfer",
        "Postal money order",
        "Convenience store",
        "21 days",
        "always free",
    ):
        assert text in en, text
    assert "9,999" not in en and "7,777" not in en


def test_the_fee_page_says_when_nothing_is_charged(client):
    assert "No fees are charged at present." in page_text(client, "/fees/", "en")


def test_the_request_form_warns_of_a_fee_before_filing(stepped_up_client):
    """GDPR 12(5) / APPI art. 38: the person learns of a fee before being charged."""
    disclosure = page_text(stepped_up_client, "/requests/new/disclosure/", "en")
    assert "A published fee may apply" in disclosure and 'href="/fees/"' in disclosure
    deletion = page_text(stepped_up_client, "/requests/new/deletion/", "en")
    assert "A published fee may apply" not in deletion


def test_demo_fees_load_once_and_are_published(client):
    from rights.demo import DEMO_FEES, seed_fee_demo

    assert seed_fee_demo() == len(DEMO_FEES)
    assert seed_fee_demo() == 0
    page = page_text(client, "/fees/", "en")
    assert "¥1,500" in page and 'href="/fees/"' in page  # the footer links the page
