"""Benchmark: the staff queue (the requests change list) at 1 row and at millions.

Run with ``make bench`` against PostgreSQL. ``BENCH_CHANGELIST_ROWS`` sets the
large size (default 5,000,000; filling takes about a minute per million rows
on the reference machine, so a quick run uses e.g. 200000). The table is
filled by copying one request with ``INSERT ... SELECT generate_series``, each
copy a second older, then analysed.

The rows of the table are the page at the large size against the same page
at one row, and against a table of one full page of rows (what the page
draws at the large size too), in the same run (median of five each): the
second is 1.0 when the page does not notice the table's size; the first also
counts drawing 50 rows instead of one. Fails when the query count differs
between the sizes.
"""

import os
import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.kernel.staff import staff_create
from rights.admin import RightsRequestAdmin
from rights.choices import Kind
from rights.models import RightsRequest
from rights.services import request_submit
from tests.bench.results import load, record
from tests.conftest import totp_code
from tests.factories import PASSWORD, ProfileFactory

# Transactional, so the millions of rows are truncated afterwards: rolled back, they
# would stay as dead rows that the next benchmarks' scans read until a VACUUM.
pytestmark = pytest.mark.django_db(transaction=True)

ROWS = int(os.environ.get("BENCH_CHANGELIST_ROWS", "5000000").replace("_", ""))
RUNS = 5
CHANGELIST = "/admin/rights/rightsrequest/"


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("benchmarks run on PostgreSQL: set DATABASE_URL=postgres://...")


def _copy_of(template: RightsRequest, total: int) -> None:
    """Top the table up to ``total`` rows, copies of ``template`` a second apart."""
    table = RightsRequest._meta.db_table
    columns = [f.column for f in RightsRequest._meta.concrete_fields if not f.primary_key]
    moved = {"received_at", "due_at"}
    select = [f"{c} - g * interval '1 second'" if c in moved else c for c in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(select)} FROM {table}, generate_series(1, %s) AS g "
            f"WHERE {table}.id = %s",
            [total - RightsRequest.objects.count(), template.pk],
        )
        cursor.execute(f"ANALYZE {table}")


def _page(client) -> tuple[float, int, float]:
    """(median seconds, queries, seconds in the slowest query) of the queue's page."""
    # Warm-up: a session idle for the minutes of filling is saved on this request.
    client.get(CHANGELIST)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    count = len(queries)
    slowest = max(float(q["time"]) for q in queries.captured_queries)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get(CHANGELIST)
        times.append(time.perf_counter() - started)
    return statistics.median(times), count, slowest


def test_the_queue_costs_the_same_at_one_row_and_at_millions(client):
    officer, device, _ = staff_create(email="po@example.com", password=PASSWORD)
    client.post(
        "/admin/login/",
        {"username": officer.email, "password": PASSWORD, "otp_token": totp_code(device)},
    )
    subject = ProfileFactory().user
    template = request_submit(subject=subject, requester=subject, kind=Kind.DISCLOSURE)
    client.get(CHANGELIST)  # warm up: templates, translations, session
    one, one_queries, one_slowest = _page(client)
    page_rows = RightsRequestAdmin.list_per_page
    _copy_of(template, page_rows)
    full, _full_queries, _full_slowest = _page(client)
    started = time.perf_counter()
    _copy_of(template, ROWS)
    filled = time.perf_counter() - started
    many, many_queries, many_slowest = _page(client)
    ratio = record("requests changelist", ROWS, many, "same page at 1 row", one)
    # The same number of rows drawn, only the table larger: what the table's size costs.
    full_ratio = record(
        "requests changelist", ROWS, many, f"same page at {page_rows} rows (one full page)", full
    )
    print(
        f"\nrequests changelist: 1 row {one * 1000:.0f} ms ({one_queries} queries, slowest "
        f"{one_slowest * 1000:.0f} ms), {ROWS:,} rows {many * 1000:.0f} ms ({many_queries} "
        f"queries, slowest {many_slowest * 1000:.0f} ms), ratio {ratio:.2f}; "
        f"{page_rows} rows {full * 1000:.0f} ms, ratio {full_ratio:.2f}; "
        f"filled in {filled:.0f} s; load average {load()}"
    )
    assert one_queries == many_queries
