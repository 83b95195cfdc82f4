"""CCPA regs §7102(a)(1): the yearly metrics give, for each kind of request (to know,
to delete, to correct, to opt out), the median number of days taken to respond to it,
not only one median over every kind."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from rights.models import RightsRequest
from rights.reports import request_metrics

pytestmark = pytest.mark.django_db

CALIFORNIA = ZoneInfo("America/Los_Angeles")
RECEIVED = dt.datetime(2025, 3, 3, 10, 0, tzinfo=CALIFORNIA)


def _answered(subject, kind: str, days: int, status: str) -> RightsRequest:
    return RightsRequest.objects.create(
        subject=subject,
        requester=subject,
        kind=kind,
        regime="ccpa",
        status=status,
        received_at=RECEIVED,
        due_at=RECEIVED + dt.timedelta(days=45),
        closed_at=RECEIVED + dt.timedelta(days=days),
    )


@pytest.fixture
def answered(customer):
    return [
        _answered(customer, "deletion", 4, "completed"),
        _answered(customer, "disclosure", 20, "rejected"),
        _answered(customer, "disclosure", 30, "completed"),
    ]


def test_each_kind_has_its_own_median_days_to_respond(answered):
    (ccpa,) = [
        row
        for row in request_metrics.period_metrics(
            RightsRequest.objects.all(), start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)
        )
        if row.regime == "ccpa"
    ]
    medians = {kind["kind"]: kind["median_days"] for kind in ccpa.by_kind}
    assert medians == {"disclosure": 25.0, "deletion": 4.0}
    assert ccpa.median_days == 20.0


def test_the_metrics_csv_gives_each_kinds_median(officer_client, answered):
    response = officer_client.get(
        "/admin/reports/metrics/", {"start": "2025-01-01", "end": "2025-12-31", "format": "csv"}
    )
    text = response.content.decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(text.split("\r\n\r\n")[0]))
    median = header.index("median_days_to_respond")
    shown = {row[1]: row[median] for row in rows if row[0] == "ccpa"}
    assert shown == {"all": "20.0", "disclosure": "25.0", "deletion": "4.0"}


def test_the_metrics_page_shows_each_kinds_median(officer_client, answered):
    response = officer_client.get(
        "/admin/reports/metrics/", {"start": "2025-01-01", "end": "2025-12-31"}
    )
    page = response.content.decode()
    section = page[page.index('id="regime-ccpa"') :]
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    footer = section[section.index("<tfoot>") : section.index("</tfoot>")]
    # Kinds in the order of their choices: disclosure (to know), then deletion.
    disclosure, deletion = body.split("</tr>")[:2]
    assert disclosure.endswith('<td class="num">25.0</td>'), disclosure
    assert deletion.endswith('<td class="num">4.0</td>'), deletion
    assert footer.endswith('<td class="num">20.0</td></tr>'), footer
