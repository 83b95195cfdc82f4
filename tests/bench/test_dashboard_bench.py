"""Benchmark: the privacy office's dashboard at 1,000 and 100,000 requests.

Run with ``make bench`` against PostgreSQL. For each size it reports the
number of SQL queries and the wall time (median of five runs) of rendering
``/admin/reports/`` for a privacy officer, and fails when the number of
queries differs between the sizes or the page takes a second or more at
100,000 requests.
"""

import datetime as dt
import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.kernel.staff import staff_create
from rights.models import RightsRequest
from tests.bench.results import load, record, sizes
from tests.conftest import totp_code
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db

SIZES = sizes("dashboard", "1000,100000")
RUNS = 5


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("benchmarks run on PostgreSQL: set DATABASE_URL=postgres://...")


def _fill(total: int, subject_id: int) -> None:
    """Top the table up to ``total`` requests spread over two years and every status.

    bulk_create rather than raw SQL, so the benchmark keeps up with new fields.
    """
    statuses = [
        "submitted", "in_review", "awaiting_customer", "in_progress", "completed",
        "completed", "completed", "partially_completed", "rejected", "withdrawn",
    ]  # fmt: skip
    kinds = ["disclosure", "correction", "stop_use", "stop_provision", "deletion"]
    regimes = ["appi", "appi", "gdpr", "ccpa"]
    now = timezone.now()
    start = RightsRequest.objects.count()

    def build(g):
        received = now - dt.timedelta(days=g % 730)
        status = statuses[g % 10]
        return RightsRequest(
            subject_id=subject_id,
            requester_id=subject_id,
            kind=kinds[g % 5],
            regime=regimes[g % 4],
            status=status,
            received_at=received,
            due_at=received + dt.timedelta(days=14),
            closed_at=received + dt.timedelta(days=g % 30) if g % 10 >= 4 else None,
            rejection_ground="business" if status == "rejected" else "",
        )

    RightsRequest.objects.bulk_create((build(g) for g in range(start, total)), batch_size=5_000)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {RightsRequest._meta.db_table}")


def test_dashboard_constant_queries_and_under_a_second(client, capsys):
    officer, device, _ = staff_create(email="po@example.com", password=PASSWORD)
    client.post(
        "/admin/login/",
        {"username": officer.email, "password": PASSWORD, "otp_token": totp_code(device)},
    )
    subject = ProfileFactory().user
    results = {}
    for size in SIZES:
        _fill(size, subject.pk)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/admin/reports/")
        assert response.status_code == 200, response.status_code
        # Count now: the next request resets the connection's query log.
        query_count = len(queries)
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            client.get("/admin/reports/")
            times.append(time.perf_counter() - start)
        results[size] = (query_count, statistics.median(times))
    record(
        "privacy office dashboard",
        SIZES[-1],
        results[SIZES[-1]][1],
        f"same page at {SIZES[0]:,} requests",
        results[SIZES[0]][1],
    )
    with capsys.disabled():
        print(f"\nrequests | queries | dashboard (median of 5); load average {load()}")
        for size, (count, seconds) in results.items():
            print(f"{size:>8,} | {count:>7} | {seconds * 1000:8.0f} ms")
    assert results[SIZES[0]][0] == results[SIZES[1]][0]
    assert results[SIZES[1]][1] < 1.0
