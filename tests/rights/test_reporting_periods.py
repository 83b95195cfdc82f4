"""The period of the yearly figures (CCPA regs §7102): which calendar year a request
belongs to, whoever reads the page, and which year the page shows first."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from rights.models import RightsRequest
from rights.reports import request_metrics
from tests.conftest import admin_login

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
CALIFORNIA = ZoneInfo("America/Los_Angeles")


def _received(subject, moment: dt.datetime, regime: str) -> RightsRequest:
    return RightsRequest.objects.create(
        subject=subject,
        requester=subject,
        kind="disclosure",
        regime=regime,
        received_at=moment,
        due_at=moment + dt.timedelta(days=14),
    )


@pytest.fixture
def new_year(customer):
    """Requests received around the turn of 2025 into 2026, each in its own zone."""
    return [
        # APPI, 23:30 on 31 Dec in Japan (already 1 Jan in New Zealand).
        _received(customer, dt.datetime(2025, 12, 31, 23, 30, tzinfo=TOKYO), "appi"),
        # APPI, 00:30 on 1 Jan in Japan (still 31 Dec in UTC and in California).
        _received(customer, dt.datetime(2026, 1, 1, 0, 30, tzinfo=TOKYO), "appi"),
        # CCPA, 23:30 on 31 Dec in California (already 1 Jan, 16:30, in Japan).
        _received(customer, dt.datetime(2025, 12, 31, 23, 30, tzinfo=CALIFORNIA), "ccpa"),
    ]


@pytest.mark.parametrize(
    "reader_zone", ["Asia/Tokyo", "UTC", "America/Los_Angeles", "Pacific/Auckland"]
)
def test_a_request_counts_in_the_year_it_was_received_in_its_own_zone(new_year, reader_zone):
    """CCPA regs §7102: the metrics are of the previous calendar year. A request belongs
    to the year of the day it was received where it was filed (the zone its deadlines
    count in), not to the year of the member of staff who reads the figures: the same
    year's figures are the same in Tokyo, London and San Francisco."""
    with timezone.override(ZoneInfo(reader_zone)):
        by_year = {
            year: {
                row.regime: row.received
                for row in request_metrics.period_metrics(
                    RightsRequest.objects.all(),
                    start=dt.date(year, 1, 1),
                    end=dt.date(year, 12, 31),
                )
            }
            for year in (2025, 2026)
        }
    assert by_year[2025] == {"appi": 1, "gdpr": 0, "ccpa": 1}
    assert by_year[2026] == {"appi": 1, "gdpr": 0, "ccpa": 0}


def test_the_metrics_page_first_shows_the_previous_calendar_year(officer):
    """CCPA regs §7102: a business publishes the metrics of the previous calendar year;
    the year still running is not complete, so the page opens on the last full year."""
    from django.test import Client

    client = admin_login(Client(), officer)
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0, tzinfo=TOKYO), tick=False):
        page = client.get("/admin/reports/metrics/")
    assert (page.context["start"], page.context["end"]) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
    )
    assert 'href="?start=2025-01-01&amp;end=2025-12-31&amp;format=csv"' in page.content.decode()


@pytest.mark.parametrize(
    ("language", "appi", "ccpa"),
    [("en", "JST", "PST"), ("ja", "日本時間", "太平洋標準時")],
)
def test_the_metrics_page_names_the_zone_each_regime_counts_its_days_in(
    officer_client, new_year, language, appi, ccpa
):
    """The boundaries of a year are midnight where the requests were filed: the page says
    which zone each regime's days are counted in."""
    officer_client.cookies["django_language"] = language
    page = officer_client.get("/admin/reports/metrics/", {"start": "2025-01-01"})
    sections = page.content.decode().split('<section class="module">')[1:]
    assert len(sections) == 3
    assert appi in sections[0]
    assert ccpa in sections[2]


@pytest.mark.parametrize(("zone", "name"), [("", "JST"), ("Europe/Berlin", "CET")])
def test_the_dashboards_period_names_the_readers_zone(officer, zone, name):
    """The dashboard's period (the completed requests its median counts) runs from
    midnight to midnight in the reader's own zone; the form says which."""
    from django.test import Client

    officer.time_zone = zone
    officer.save(update_fields=["time_zone"])
    client = admin_login(Client(), officer)
    client.cookies["django_language"] = "en"
    with time_machine.travel(dt.datetime(2026, 1, 20, 12, 0, tzinfo=TOKYO), tick=False):
        page = client.get("/admin/reports/").content.decode()
    form = page[page.index('<form method="get" class="period">') :]
    form = form[: form.index("</form>")]
    assert f"Days in {name}" in form, form


def test_the_metrics_csv_names_the_zone_each_regime_counts_its_days_in(officer_client, new_year):
    """CCPA regs §7102: the exported figures say, as the page does, in which zone a
    regime's days (and so the year's first and last midnight) are counted: a column of
    time-zone names, machine-readable, after the figures."""
    response = officer_client.get(
        "/admin/reports/metrics/", {"start": "2025-01-01", "end": "2025-12-31", "format": "csv"}
    )
    text = response.content.decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(text.split("\r\n\r\n")[0]))
    assert header[-1] == "time_zone", header
    assert header[:3] == ["regime", "kind", "received"], header
    totals = {row[0]: row for row in rows if row[1] == "all"}
    assert (totals["appi"][2], totals["appi"][-1]) == ("1", "Asia/Tokyo")
    assert (totals["ccpa"][2], totals["ccpa"][-1]) == ("1", "America/Los_Angeles")
    assert all(row[-1] == totals[row[0]][-1] for row in rows), rows
