"""The type picker says, per kind, what it is, when the answer is due and whether a fee
applies (issue 20, item 8)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from rights.choices import Kind
from rights.demo import seed_fee_demo
from rights.summary import kind_overview

pytestmark = pytest.mark.django_db


def test_overview_gives_the_days_and_the_lowest_published_fee(settings):
    settings.RIGHTS_DEFAULT_REGIME = "appi"
    seed_fee_demo()
    with translation.override("en"):
        disclosure = kind_overview(Kind.DISCLOSURE)
        deletion = kind_overview(Kind.DELETION)
    assert disclosure.days == settings.RIGHTS_APPI_TARGET_DAYS
    assert disclosure.fee.startswith("A fee applies: from ¥1,000")
    assert deletion.fee == "Free of charge."


def test_the_picker_lists_every_kind_with_its_line_timeline_and_fee(stepped_up_client):
    stepped_up_client.cookies["django_language"] = "en"
    page = stepped_up_client.get("/requests/new/").content.decode()
    assert page.count('class="card kind-card"') == len(Kind.values)
    assert page.count("if you file today.") == len(Kind.values)
    assert "Delete your data, or close your account." in page


@pytest.mark.parametrize(
    ("language", "free"),
    [
        ("en", "Corrections, stopping use or provision to third parties, and deletion"),
        ("ja", "訂正、利用停止、第三者提供の停止、削除のご請求は無料です。"),
    ],
)
def test_the_picker_names_every_free_kind_among_the_free_ones(stepped_up_client, language, free):
    """Only a disclosure or a notice of purposes may carry a fee (APPI art. 38(1)):
    stopping provision to third parties is free, as its own card says, but the lead
    above the cards left it out."""
    stepped_up_client.cookies["django_language"] = language
    assert free in stepped_up_client.get("/requests/new/").content.decode()


def test_the_picker_counts_the_gdpr_month_in_berlin(settings, stepped_up_client):
    """GDPR art. 12(3): on 5 Dec at 19:30 in Berlin (6 Dec in Tokyo) a request is due on
    5 Jan, as the next page and the receipt say; not 6 Jan, a month from Tokyo's day."""
    settings.RIGHTS_DEFAULT_REGIME = "gdpr"
    evening = dt.datetime(2026, 12, 5, 19, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    with time_machine.travel(evening, tick=False):
        with translation.override("en"):
            overview = kind_overview(Kind.DISCLOSURE)
        stepped_up_client.cookies["django_language"] = "en"
        page = stepped_up_client.get("/requests/new/").content.decode()
    assert overview.due_on == dt.date(2027, 1, 5) and overview.days == 31
    assert page.count("Within 31 days: by 5 Jan 2027 CET if you file today.") == len(Kind.values)
    assert "6 Jan 2027" not in page


@pytest.mark.parametrize("url", ["/requests/new/", "/requests/new/disclosure/"])
def test_under_the_gdpr_the_picker_and_the_form_say_a_fee_only_if_unfounded(
    settings, stepped_up_client, url
):
    """GDPR arts. 12(5), 15(3): a disclosure is free unless manifestly unfounded or
    excessive, as the check page and the filed request say; the picker said "no fee is
    published" and the form "a published fee may apply", as under the APPI."""
    settings.RIGHTS_DEFAULT_REGIME = "gdpr"
    seed_fee_demo()
    stepped_up_client.cookies["django_language"] = "en"
    page = stepped_up_client.get(url).content.decode()
    assert "Free of charge, unless the request is manifestly unfounded or excessive" in page
    assert "published" not in page.replace("/fees/", "")
