"""Benchmark: the retention sweep over 100,000 and 1,000,000 expired usage records.

Run with ``make bench`` against PostgreSQL (``DATABASE_URL=postgres://...``).
Usage history is kept 2 years after the registration with the service ended
(rule "usage-log"); 90 % of the customers here left in 2023, so 90 % of the
rows are past their period, and one of them is under a staff hold.

For each size, on the same rows in the same run:

* the sweep (``rights.retention.sweep.run_sweep``): windows of 50,000 primary
  keys, each claimed with an advisory lock and erased through the registry by
  one statement in its own transaction, with an erasure-ledger entry each;
* one plain SQL ``DELETE`` with the same condition, as the yardstick;
* the sweep again under tracemalloc, for the peak of Python allocations.

It fails when the sweep is slower than half the plain ``DELETE`` at 1,000,000
rows, or when its peak memory grows from 100,000 to 1,000,000 rows.
"""

import datetime as dt
import importlib
import time
import tracemalloc

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from portal.kernel.models import Service, ServiceRegistration, User
from portal.records.models import UsageRecord
from rights.models import LegalHold, RetentionRule
from rights.retention import jobs
from tests.bench.support import load, machine, record, sizes

# Committed batches, VACUUM between the runs: the database must not be wrapped
# in the test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)

SIZES = sizes("retention", "100000,1000000")
ROWS_PER_CUSTOMER = 1_000
TARGET_RATIO = 0.5
FLAT_FACTOR = 1.25
SLACK_BYTES = 256 * 1024
TODAY = dt.date(2026, 7, 1)
CUTOFF = dt.date(2024, 7, 1)  # 2 years before TODAY

USAGE = UsageRecord._meta.db_table
COPY = "bench_retention_usage_copy"


@pytest.fixture(autouse=True)
def _postgresql_only(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("benchmarks run on PostgreSQL: set DATABASE_URL=postgres://...")
    settings.RIGHTS_ERASURE_LEDGER_FILE = str(tmp_path / "ledger.jsonl")
    if not RetentionRule.objects.filter(code="usage-log").exists():
        # A transactional test before this one flushed the seeded rules.
        seed = importlib.import_module("rights.migrations.0005_seed_retention_rules")
        seed.seed(apps, None)


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _vacuum():
    # Outside a transaction (the connection is in autocommit here).
    _sql(f"VACUUM ANALYZE {USAGE}")


def _customers(size, service, staff):
    """size / 1000 customers: 90 % left the service in January 2023, 10 % still use it."""
    count = size // ROWS_PER_CUSTOMER
    first = User.objects.count()
    User.objects.bulk_create(
        User(email=f"bench-{size}-{n}@example.com", password="!") for n in range(count)
    )
    users = list(User.objects.filter(email__startswith=f"bench-{size}-").order_by("pk"))
    ServiceRegistration.objects.bulk_create(
        ServiceRegistration(
            user=user,
            service=service,
            member_number=f"B-{size}-{n}",
            started_on=dt.date(2020, 4, 1),
            ended_on=None if n % 10 == 9 else dt.date(2023, 1, 31),
        )
        for n, user in enumerate(users)
    )
    held = users[0]
    LegalHold.objects.create(
        subject=held,
        reason="benchmark",
        legal_basis="litigation",
        placed_by=staff,
        starts_on=dt.date(2026, 1, 1),
    )
    assert User.objects.count() == first + count
    return users, held


def _insert(users, service, size):
    ids = [user.pk for user in users]
    _sql(
        f"""
        INSERT INTO {USAGE} (user_id, service_id, occurred_at, activity, detail, channel,
                             ip_address)
        SELECT (%s::bigint[])[1 + (g - 1) / {ROWS_PER_CUSTOMER}], %s,
               timestamptz '2022-12-31 12:00+09' - g * interval '1 minute',
               'view', 'ドラマ「東京の夜」第' || (g %% 12 + 1) || '話', 'app',
               ('203.0.113.' || (g %% 254 + 1))::inet
        FROM generate_series(1, %s) AS g
        """,
        [ids, service.pk, size],
    )
    _sql(f"DROP TABLE IF EXISTS {COPY}")
    _sql(f"CREATE TABLE {COPY} AS SELECT * FROM {USAGE}")


def _restore():
    _sql(f"DELETE FROM {USAGE}")
    _sql(f"INSERT INTO {USAGE} SELECT * FROM {COPY}")
    _vacuum()


def _plain_delete(held) -> tuple[int, float]:
    started = time.perf_counter()
    deleted = _sql(
        f"""
        DELETE FROM {USAGE} u
        WHERE NOT EXISTS (
            SELECT 1 FROM {ServiceRegistration._meta.db_table} r
            WHERE r.user_id = u.user_id AND r.service_id = u.service_id
              AND (r.ended_on IS NULL OR r.ended_on >= %s))
          AND u.user_id <> %s
        """,
        [CUTOFF, held.pk],
    )
    return deleted, time.perf_counter() - started


def _sweep(*, traced=False) -> tuple[int, float, int]:
    if traced:
        tracemalloc.start()
        tracemalloc.reset_peak()
    started = time.perf_counter()
    run = jobs.run_sweep(today=TODAY, rules=["usage-log"])
    elapsed = time.perf_counter() - started
    peak = 0
    if traced:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert run.errors == [], run.errors
    return run.counts.get("usage-log", {}).get("portal.usagerecord", 0), elapsed, peak


def test_the_sweep_keeps_up_with_plain_sql_and_its_memory_stays_flat():
    staff = User.objects.create(email="bench-staff@example.com", password="!", is_staff=True)
    service = Service.objects.create(code="bench", name="ベンチ", responsible=staff)
    rows = {}
    for size in SIZES:
        _sql(f"DELETE FROM {USAGE}")
        users, held = _customers(size, service, staff)
        _insert(users, service, size)
        _vacuum()
        expected = (
            UsageRecord.objects.filter(user__service_registrations__ended_on__isnull=False)
            .exclude(user=held)
            .count()
        )

        swept, sweep_s, _ = _sweep()
        assert swept == expected
        assert UsageRecord.objects.filter(user=held).count() == ROWS_PER_CUSTOMER
        _restore()
        deleted, plain_s = _plain_delete(held)
        assert deleted == expected
        _restore()
        traced_count, _, peak = _sweep(traced=True)
        assert traced_count == expected
        record("retention sweep", expected, sweep_s, "one plain DELETE", plain_s)
        rows[size] = {
            "rows": expected,
            "sweep_s": sweep_s,
            "plain_s": plain_s,
            "peak": peak,
        }
        # Next size starts from an empty table and new customers.
        _sql(f"DELETE FROM {USAGE}")
        LegalHold.objects.all().delete()

    print(f"\n\nMachine: {machine()}  (as of {timezone.localdate()}); load average {load()}")
    print(f"{'expired rows':>13} {'sweep s':>8} {'sweep rows/s':>13} {'DELETE s':>9} "
          f"{'DELETE rows/s':>14} {'ratio':>6} {'sweep peak':>11}")  # fmt: skip
    for r in rows.values():
        print(
            f"{r['rows']:>13,} {r['sweep_s']:>8.2f} {r['rows'] / r['sweep_s']:>13,.0f} "
            f"{r['plain_s']:>9.2f} {r['rows'] / r['plain_s']:>14,.0f} "
            f"{r['plain_s'] / r['sweep_s']:>6.2f} {r['peak'] / 2**20:>8.2f} MiB"
        )
    _sql(f"DROP TABLE IF EXISTS {COPY}")

    small, large = rows[SIZES[0]], rows[SIZES[1]]
    assert large["plain_s"] / large["sweep_s"] >= TARGET_RATIO, large
    assert large["peak"] <= small["peak"] * FLAT_FACTOR + SLACK_BYTES, (small, large)
