"""Helpers shared by the benchmarks: the machine they ran on, and a customer with a history."""

import json
import os
import platform
import subprocess
import time
from pathlib import Path

from django.db import connection

from portal.records.models import UsageRecord
from tests.factories import (
    InvoiceFactory,
    PaymentMethodFactory,
    ProfileFactory,
    RegistrationFactory,
)

#: Where each benchmark appends its rows; ``make bench`` prints them as one table
#: (``python -m tests.bench.table``) and empties the file first.
RESULTS = Path(os.environ.get("BENCH_RESULTS", "var/bench-results.jsonl"))


def sizes(name: str, default: str) -> tuple[int, ...]:
    """Sizes of a benchmark from the environment (``BENCH_<NAME>_SIZES=1000,100000``)."""
    raw = os.environ.get(f"BENCH_{name.upper()}_SIZES", default)
    return tuple(int(part.replace("_", "")) for part in raw.split(",") if part.strip())


def load() -> str:
    """The load average of the last 1, 5 and 15 minutes: the machine is shared."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def record(bench: str, size: int, seconds: float, baseline: str, baseline_seconds: float) -> float:
    """One row of the table: a measurement and its baseline from the same run.

    The ratio is baseline time / measured time: 1.0 is as fast as the
    baseline, 0.3 takes three times as long. Returns the ratio.
    """
    ratio = baseline_seconds / seconds if seconds else 0.0
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as out:
        row = {
            "bench": bench,
            "size": size,
            "seconds": round(seconds, 4),
            "baseline": baseline,
            "baseline_seconds": round(baseline_seconds, 4),
            "ratio": round(ratio, 3),
            "load": load(),
            "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        }
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return ratio


def machine() -> str:
    """Cores, CPU model, PostgreSQL and Python versions, for the figures in docs/benchmarks.md."""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next(
            line.split(":", 1)[1].strip()
            for line in lscpu.splitlines()
            if line.startswith("Model name")
        )
    except (OSError, subprocess.CalledProcessError, StopIteration):
        model = platform.processor() or "unknown CPU"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return (
        f"{os.cpu_count()} cores, {model}; PostgreSQL {version}; Python {platform.python_version()}"
    )


def subject_with(records: int, services) -> object:
    """A customer with ``records`` usage records spread over the services.

    Plus a registration and 24 invoices per service and a stored card.
    """
    user = ProfileFactory(full_name=f"ベンチ 太郎{records}").user
    for service in services:
        RegistrationFactory(user=user, service=service)
        InvoiceFactory.create_batch(24, user=user, service=service)
    PaymentMethodFactory(user=user)
    ids = [service.pk for service in services]
    # generate_series: 100,000 rows in well under a second, unlike bulk_create.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {UsageRecord._meta.db_table}
                (user_id, service_id, occurred_at, activity, detail, channel, ip_address)
            SELECT %s, (%s::bigint[])[1 + g %% %s], now() - g * interval '7 minutes',
                   'view', 'ドラマ「東京の夜」第' || (g %% 12 + 1) || '話', 'app',
                   ('203.0.113.' || (g %% 254 + 1))::inet
            FROM generate_series(1, %s) AS g
            """,
            [user.pk, ids, len(ids), records],
        )
        cursor.execute(f"ANALYZE {UsageRecord._meta.db_table}")
    return user
