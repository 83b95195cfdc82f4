"""The privacy office's figures: dashboard, period metrics (CCPA §7102), anonymised statistics."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.kernel.models import Profile
from rights.choices import Status, told_ground
from rights.models import RightsRequest
from rights.reports import customer_statistics, request_metrics
from rights.reports.customer_statistics import suppress
from tests.conftest import admin_login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def _request(
    subject,
    *,
    received_days_ago,
    status=Status.SUBMITTED,
    closed_days_ago=None,
    due_in_days=10,
    regime="appi",
    kind="disclosure",
    ground="",
    assignee=None,
):
    received = NOW - dt.timedelta(days=received_days_ago)
    return RightsRequest.objects.create(
        subject=subject,
        requester=subject,
        kind=kind,
        regime=regime,
        status=status,
        received_at=received,
        due_at=NOW + dt.timedelta(days=due_in_days),
        closed_at=None if closed_days_ago is None else NOW - dt.timedelta(days=closed_days_ago),
        rejection_ground=ground,
        assignee=assignee,
    )  # fmt: skip


@pytest.fixture
def seeded(customer, officer):
    r = [
        _request(customer, received_days_ago=3, due_in_days=-1, assignee=officer),  # overdue
        _request(customer, received_days_ago=5, due_in_days=3),  # due soon
        _request(customer, received_days_ago=6, status=Status.IN_REVIEW, kind="correction"),
        _request(customer, received_days_ago=2, status=Status.AWAITING_CUSTOMER, due_in_days=-5),
        # completed in the last 90 days after 4, 10 and 30 days
        _request(customer, received_days_ago=40, status=Status.COMPLETED, closed_days_ago=36),
        _request(customer, received_days_ago=50, status=Status.COMPLETED, closed_days_ago=40),
        _request(customer, received_days_ago=60, status=Status.PARTIALLY_COMPLETED,
                 closed_days_ago=30),
        _request(customer, received_days_ago=300, status=Status.REJECTED, closed_days_ago=290,
                 ground="business", regime="gdpr"),
        _request(customer, received_days_ago=100, status=Status.WITHDRAWN, closed_days_ago=99,
                 regime="ccpa"),
    ]  # fmt: skip
    return r


def test_dashboard_figures_equal_a_hand_count(seeded):
    with time_machine.travel(NOW, tick=False):
        board = request_metrics.dashboard(
            RightsRequest.objects.all(),
            period_start=(NOW - dt.timedelta(days=90)).date(),
            period_end=NOW.date(),
        )
    assert board.open_total == 4
    assert board.overdue == 1  # the awaiting-customer one is paused, not overdue
    assert board.due_soon == 1
    by_status = {row["status"]: row["n"] for row in board.by_status}
    assert by_status[Status.SUBMITTED] == 2 and by_status[Status.IN_REVIEW] == 1
    assert board.matrix[(Status.IN_REVIEW, "correction")] == 1
    assert board.all_services == 4
    assigned = {row["assignee__email"]: row["n"] for row in board.per_assignee}
    assert assigned == {"po@example.com": 1, None: 3}
    assert board.completed_in_period == 3
    assert board.median_days == 10.0  # 4, 10, 30
    assert board.p95_days == pytest.approx(28.0)  # 10 + (30 − 10) × 0.9
    trend = {row["month"]: row for row in board.trend}
    assert len(board.trend) == 12
    assert trend[dt.date(2026, 11, 1)]["received"] == 4
    assert trend[dt.date(2026, 10, 1)]["completed"] == 3


def test_overdue_per_assignee_adds_up_to_the_overdue_total(seeded, officer):
    """A request whose clock is paused (waiting for the customer) is not overdue in the
    headline; nor is it in its assignee's row."""
    with time_machine.travel(NOW, tick=False):
        board = request_metrics.dashboard(
            RightsRequest.objects.all(),
            period_start=(NOW - dt.timedelta(days=90)).date(),
            period_end=NOW.date(),
        )
    overdue = {row["assignee__email"]: row["overdue"] for row in board.per_assignee}
    assert overdue == {"po@example.com": 1, None: 0}
    assert sum(overdue.values()) == board.overdue


def test_period_metrics_per_regime_equal_a_hand_count(seeded):
    with time_machine.travel(NOW, tick=False):
        rows = {
            r.regime: r
            for r in request_metrics.period_metrics(
                RightsRequest.objects.all(), start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
            )
        }
    appi = rows["appi"]
    assert (appi.received, appi.completed, appi.partially_completed) == (7, 2, 1)
    assert appi.still_open == 4
    assert appi.median_days == 10.0
    gdpr = rows["gdpr"]
    assert (gdpr.received, gdpr.rejected) == (1, 1)
    assert gdpr.rejected_by_ground[0]["ground"] == "business"
    assert rows["ccpa"].withdrawn == 1 and rows["ccpa"].median_days is None


def test_period_metrics_list_kinds_and_grounds_in_the_order_of_the_forms(customer):
    """Disclosure, correction, stop of use, …, deletion: the order of the dashboard's
    columns and the request form, not of the stored codes (correction, deletion, …)."""
    for kind in ("stop_use", "deletion", "disclosure", "correction"):
        _request(customer, received_days_ago=4, kind=kind)
    for ground in ("unfounded", "identity", "business"):
        _request(customer, received_days_ago=4, status=Status.REJECTED, closed_days_ago=1,
                 ground=ground)  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        (appi, _gdpr, _ccpa) = request_metrics.period_metrics(
            RightsRequest.objects.all(), start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
        )
    assert [row["kind"] for row in appi.by_kind] == [
        "disclosure", "correction", "stop_use", "deletion"
    ]  # fmt: skip
    assert [row["ground"] for row in appi.rejected_by_ground] == [
        "identity", "business", "unfounded"
    ]  # fmt: skip
    # Each regime's row names the ground in its own law's words (APPI 37, not GDPR 12(6)).
    assert appi.rejected_by_ground[0]["label"] == told_ground("identity", "appi")
    assert "GDPR" not in appi.rejected_by_ground[0]["label"]


def test_dashboard_queries_do_not_grow_with_requests(customer):
    def measure():
        with CaptureQueriesContext(connection) as queries:
            request_metrics.dashboard(
                RightsRequest.objects.all(),
                period_start=dt.date(2026, 1, 1),
                period_end=dt.date(2026, 12, 31),
            )
        return len(queries)

    RightsRequest.objects.bulk_create(
        RightsRequest(subject=customer, kind="disclosure", received_at=NOW, due_at=NOW,
                      status=Status.COMPLETED, closed_at=NOW)
        for _ in range(100)
    )  # fmt: skip
    small = measure()
    RightsRequest.objects.bulk_create(
        RightsRequest(subject=customer, kind="deletion", received_at=NOW, due_at=NOW)
        for _ in range(900)
    )
    assert measure() == small


def _recoverable(table, original):
    """Cells whose value is the only one consistent with everything published.

    Every filling of the hidden cells with 0 to the largest count is tried, as
    by hand, but a partial filling is dropped as soon as a line's cells add up
    past its published total (counts are never negative), or a line whose cells
    are all filled misses it: the same fillings survive as when each of the
    16^n is built and checked whole, in a fraction of the time.
    """
    hidden = [key for key, v in table.cells.items() if v is None]
    if not hidden:
        return []
    bound = max(original.values())
    position = {key: i for i, key in enumerate(hidden)}
    lines = [([(r, c) for c in table.cols], total) for r, total in table.row_totals.items()]
    lines += [([(r, c) for r in table.rows], total) for c, total in table.col_totals.items()]
    checks = []  # (known sum, positions of the line's hidden cells, total, last position)
    for cells, total in lines:
        if total is None:
            continue
        spots = [position[key] for key in cells if key in position]
        known = sum(table.cells[key] for key in cells if key not in position)
        checks.append((known, spots, total, max(spots, default=-1)))
    values_seen = [set() for _ in hidden]
    values = [0] * len(hidden)

    def fits(depth):
        """The first ``depth`` hidden cells filled: no line past its total, no full line short."""
        for known, spots, total, last in checks:
            filled = known + sum(values[i] for i in spots if i < depth)
            if filled > total or (last < depth and filled != total):
                return False
        return True

    def fill(depth):
        """False once every hidden cell has been seen with two values (nothing is recoverable)."""
        if depth == len(hidden):
            for seen, value in zip(values_seen, values, strict=True):
                seen.add(value)
            return not all(len(seen) > 1 for seen in values_seen)
        for value in range(bound + 1):
            values[depth] = value
            if fits(depth + 1) and not fill(depth + 1):
                return False
        return True

    if fits(0):
        fill(0)
    return [key for key, seen in zip(hidden, values_seen, strict=True) if len(seen) == 1]


def test_a_small_cell_is_hidden_and_cannot_be_worked_out_from_totals():
    counts = {
        ("20-29", "female"): 12, ("20-29", "male"): 3, ("20-29", "other"): 0,
        ("30-39", "female"): 15, ("30-39", "male"): 11, ("30-39", "other"): 0,
        ("40-49", "female"): 10, ("40-49", "male"): 14, ("40-49", "other"): 0,
    }  # fmt: skip
    table = suppress(counts, k=10)
    assert table.cells["20-29", "male"] is None
    assert table.cells["30-39", "female"] == 15 or table.cells["30-39", "female"] is None
    published = [v for v in table.cells.values() if v is not None]
    assert all(v == 0 or v >= 10 for v in published)
    assert table.suppressed_count >= 2
    assert _recoverable(table, counts) == []


def test_every_line_has_zero_or_at_least_two_hidden_entries():
    counts = {(r, c): (r * 7 + c * 3) % 14 for r in range(4) for c in range(3)}
    table = suppress(counts, k=5)
    for r in table.rows:
        line = [table.cells[r, c] for c in table.cols] + [table.row_totals[r]]
        assert sum(v is None for v in line) != 1
    for c in table.cols:
        line = [table.cells[r, c] for r in table.rows] + [table.col_totals[c]]
        assert sum(v is None for v in line) != 1


def _customers(n, *, born, gender):
    users = [UserFactory() for _ in range(n)]
    Profile.objects.bulk_create(
        Profile(user=u, full_name="x", date_of_birth=born, gender=gender, address="東京都港区")
        for u in users
    )
    return users


def test_a_customer_under_a_stop_of_use_is_not_counted(officer):
    from consent.models import ProcessingRestriction

    women = _customers(11, born=dt.date(1990, 5, 1), gender="female")
    _customers(10, born=dt.date(1990, 5, 1), gender="male")
    with time_machine.travel(NOW, tick=False):
        table = customer_statistics.cross_table("age_band", "gender", k=10)
        assert table.cells["30-39", "female"] == 11
        ProcessingRestriction.objects.create(
            subject=women[0], scope=ProcessingRestriction.Scope.USE, source="staff",
            starts_at=NOW - dt.timedelta(days=1),
        )  # fmt: skip
        table = customer_statistics.cross_table("age_band", "gender", k=10)
    assert table.cells["30-39", "female"] == 10
    assert table.row_totals["30-39"] == 20


def test_statistics_page_is_for_officers_and_auditors_only(client, handler, officer_client):
    assert officer_client.get("/admin/reports/statistics/").status_code == 200
    assert "/admin/reports/statistics/" in officer_client.get("/admin/").content.decode()
    admin_login(client, handler)
    assert client.get("/admin/reports/statistics/").status_code == 403
    assert client.get("/admin/reports/").status_code == 200
    # and no link leads a handler to that refusal
    assert "/admin/reports/statistics/" not in client.get("/admin/").content.decode()
    assert "/admin/reports/statistics/" not in client.get("/admin/reports/").content.decode()


def test_the_csv_link_of_the_statistics_page_as_first_shown_downloads_that_table(
    officer_client,
):
    _customers(10, born=dt.date(1990, 5, 1), gender="female")
    with time_machine.travel(NOW, tick=False):
        page = officer_client.get("/admin/reports/statistics/")
        csv_file = officer_client.get("/admin/reports/statistics/" + page.context["csv_url"])
    assert csv_file["Content-Type"].startswith("text/csv")
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("age_band \\ gender,")
    assert lines[-1].split(",")[-1] == "10"


def test_the_csv_files_open_in_a_spreadsheet_as_utf8(officer_client):
    """Prefectures are Japanese text: without a byte order mark a spreadsheet program on
    Japanese Windows reads the file as Shift_JIS and shows 譚ｱ莠ｬ驛ｽ for 東京都."""
    women = _customers(10, born=dt.date(1990, 5, 1), gender="female")
    Profile.objects.filter(user__in=women).update(prefecture="東京都")
    with time_machine.travel(NOW, tick=False):
        statistics = officer_client.get(
            "/admin/reports/statistics/", {"rows": "prefecture", "cols": "gender", "format": "csv"}
        )
        metrics = officer_client.get(
            "/admin/reports/metrics/", {"start": "2026-01-01", "end": "2026-12-31", "format": "csv"}
        )
    assert statistics.content.startswith("\ufeff".encode())
    assert "東京都,10,10" in statistics.content.decode("utf-8-sig").splitlines()
    assert metrics.content.startswith("\ufeff".encode())


@pytest.mark.parametrize(("language", "shown"), [("ja", "東京都"), ("en", "Tokyo")])
def test_prefectures_are_named_in_the_readers_language(officer_client, language, shown):
    women = _customers(10, born=dt.date(1990, 5, 1), gender="female")
    Profile.objects.filter(user__in=women).update(prefecture="東京都")
    officer_client.cookies["django_language"] = language
    with time_machine.travel(NOW, tick=False):
        page = officer_client.get(
            "/admin/reports/statistics/", {"rows": "prefecture", "cols": "gender"}
        )
    assert [row["label"] for row in page.context["grid"]] == [shown]


def test_staff_cannot_publish_cells_smaller_than_the_configured_minimum(officer_client, settings):
    """STATISTICS_MIN_CELL is the smallest cell ever published: a smaller k typed on the
    page (or in the CSV link) is refused, and three customers are not shown as a 3."""
    settings.STATISTICS_MIN_CELL = 10
    _customers(3, born=dt.date(1990, 5, 1), gender="female")
    officer_client.cookies["django_language"] = "en"
    with time_machine.travel(NOW, tick=False):
        page = officer_client.get(
            "/admin/reports/statistics/", {"rows": "age_band", "cols": "gender", "k": "2"}
        )
        csv_file = officer_client.get(
            "/admin/reports/statistics/",
            {"rows": "age_band", "cols": "gender", "k": "2", "format": "csv"},
        )
    assert "k" in page.context["form"].errors
    table = page.context["table"]
    assert table is None or table.cells.get(("30-39", "female")) is None
    assert not csv_file["Content-Type"].startswith("text/csv")
    with time_machine.travel(NOW, tick=False):
        stricter = officer_client.get(
            "/admin/reports/statistics/", {"rows": "age_band", "cols": "gender", "k": "20"}
        )
    assert stricter.context["table"].k == 20


def test_metrics_csv_and_dashboard_pages(officer_client, seeded):
    response = officer_client.get(
        "/admin/reports/metrics/?start=2026-01-01&end=2026-12-31&format=csv"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert b"appi,all," in response.content
    page = officer_client.get("/admin/reports/")
    assert page.status_code == 200
    assert b"<svg" in page.content
    assert b"deadline=overdue" in page.content


@pytest.mark.parametrize("url", ["/admin/reports/", "/admin/reports/metrics/"])
def test_a_report_page_is_titled_as_the_index_links_it(officer_client, url):
    officer_client.cookies["django_language"] = "ja"
    index = officer_client.get("/admin/").content.decode()
    (link,) = re.findall(rf'<a href="{url}"[^>]*>([^<]+)</a>', index)
    page = officer_client.get(url).content.decode()
    assert re.search(r"<h1>([^<]+)</h1>", page)[1] == link
    assert f"<title>{link} |" in page


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/admin/reports/", {"end": "9999-12-31"}),
        ("/admin/reports/", {"start": "0001-01-01"}),
        ("/admin/reports/metrics/", {"start": "0001-01-01", "end": "0001-01-02"}),
        ("/admin/reports/metrics/", {"end": "9999-12-31", "format": "csv"}),
    ],
)
def test_a_period_at_the_end_of_the_calendar_is_refused_in_words(officer_client, url, params):
    """A year mistyped as 0001 or 9999 left no day to count to: a 500."""
    officer_client.cookies["django_language"] = "en"
    response = officer_client.get(url, params)
    assert response.status_code == 200
    assert "Give a date between 1900-01-01 and 2999-12-31." in response.content.decode()


def test_the_k_field_shows_the_smallest_cell_in_force_when_none_is_typed(officer_client, settings):
    """An empty k field with cells shown as "<12" left staff guessing what k was used."""
    settings.STATISTICS_MIN_CELL = 12
    html = officer_client.get("/admin/reports/statistics/").content.decode()
    field = re.search(r'<input[^>]*name="k"[^>]*>', html).group(0)
    assert 'placeholder="12"' in field and 'min="12"' in field


def test_prefectures_are_listed_in_the_official_order(officer_client):
    """Hokkaido first and Okinawa last, as every Japanese table lists them, not in the
    order of their characters (京都府 before 北海道); customers without one last."""
    for prefecture in ("沖縄県", "京都府", "北海道", ""):
        women = _customers(10, born=dt.date(1990, 5, 1), gender="female")
        Profile.objects.filter(user__in=women).update(prefecture=prefecture)
    officer_client.cookies["django_language"] = "ja"
    with time_machine.travel(NOW, tick=False):
        page = officer_client.get(
            "/admin/reports/statistics/", {"rows": "prefecture", "cols": "gender"}
        )
    labels = [row["label"] for row in page.context["grid"]]
    assert labels[:3] == ["北海道", "京都府", "沖縄県"]
    assert len(labels) == 4


def test_a_customer_counts_only_for_the_services_they_still_use():
    """A contract that ended counted its former customer under that service for ever."""
    from tests.factories import RegistrationFactory, ServiceFactory

    mobile = ServiceFactory(code="mobile", name="モバイル", name_en="Mobile")
    video = ServiceFactory(code="video", name="動画", name_en="Video")
    for user in _customers(10, born=dt.date(1990, 5, 1), gender="female"):
        RegistrationFactory(user=user, service=mobile)
    for user in _customers(10, born=dt.date(1990, 5, 1), gender="female"):
        RegistrationFactory(user=user, service=mobile, ended_on=dt.date(2024, 3, 31))
        RegistrationFactory(user=user, service=video)
    for user in _customers(10, born=dt.date(1990, 5, 1), gender="female"):
        RegistrationFactory(user=user, service=video, ended_on=dt.date(2025, 1, 31))
    with time_machine.travel(NOW, tick=False):
        table = customer_statistics.cross_table("service", "gender", k=10)
    assert table.cells["mobile", "female"] == 10
    assert table.cells["video", "female"] == 10
    assert table.cells["unknown", "female"] == 10
    assert customer_statistics.value_labels("service")["unknown"] == "no service in use"


def test_the_statistics_tables_corner_names_what_its_rows_and_columns_count(officer_client):
    """The corner heading says which attribute runs down and which across (an empty
    heading cell names nothing for a screen reader: axe's empty-table-header)."""
    _customers(10, born=dt.date(1990, 5, 1), gender="female")
    officer_client.cookies["django_language"] = "en"
    with time_machine.travel(NOW, tick=False):
        page = officer_client.get(
            "/admin/reports/statistics/", {"rows": "gender", "cols": "age_band"}
        ).content.decode()
    corner = re.search(r"<thead><tr><th scope=\"col\">([^<]*)</th>", page)[1]
    assert "Gender" in corner and "Age band" in corner, corner
