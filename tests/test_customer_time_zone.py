"""Customers read every date in one zone: their requests' pages and e-mails give
times in the zone of the regime the request is under, and the other customer
pages ("my data", consents) in CUSTOMER_TIME_ZONE, by default the zone of the
regime the portal files requests under. Staff keep their own."""

import datetime as dt

import pytest
import time_machine

from consent import services
from consent.models import ConsentRecord
from tests.consent_support import purpose

pytestmark = pytest.mark.django_db

# 22:30 on 5 December in Berlin is 06:30 on 6 December in Tokyo.
EVENING_IN_BERLIN = dt.datetime(2026, 12, 5, 21, 30, tzinfo=dt.UTC)


def _consent_given_in_the_berlin_evening(customer):
    with time_machine.travel(EVENING_IN_BERLIN, tick=False):
        services.consent_update(
            subject=customer,
            choices={purpose("marketing"): True},
            method=ConsentRecord.Method.DASHBOARD,
        )


def _marketing_row(client) -> str:
    """The consent page's row of the marketing purpose (the page's other dates, such as
    the policy's acceptance, are of the moment the test runs)."""
    page = client.get("/consent/").content.decode()
    row = page[page.index('rowheader">マーケティング及びサービスの改善') :]
    return row[: row.index("</tr>")]


def test_the_consent_page_dates_a_choice_in_the_customers_zone(
    stepped_up_client, customer, settings
):
    settings.CUSTOMER_TIME_ZONE = "Europe/Berlin"
    _consent_given_in_the_berlin_evening(customer)
    assert "2026年12月5日（欧州中部時間）に" in _marketing_row(stepped_up_client)


def test_in_tokyo_the_same_choice_is_the_next_day(stepped_up_client, customer, settings):
    settings.CUSTOMER_TIME_ZONE = "Asia/Tokyo"
    _consent_given_in_the_berlin_evening(customer)
    assert "2026年12月6日（日本時間）に" in _marketing_row(stepped_up_client)
