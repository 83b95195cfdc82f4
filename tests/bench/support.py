"""Helpers shared by the benchmarks: the machine they ran on, and a customer with a history."""

import os
import platform
import subprocess

from django.db import connection

from portal.kernel.encryption import encrypt
from portal.records.models import UsageRecord
from tests.bench.results import RESULTS, load, record, sizes
from tests.factories import (
    InvoiceFactory,
    PaymentMethodFactory,
    ProfileFactory,
    RegistrationFactory,
)

__all__ = ["RESULTS", "load", "machine", "record", "sizes", "subject_with"]


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
    # The detail column is encrypted at rest: twelve episodes, each encrypted once.
    details = [encrypt(f"ドラマ「東京の夜」第{n}話") for n in range(1, 13)]
    # generate_series: 100,000 rows in well under a second, unlike bulk_create.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {UsageRecord._meta.db_table}
                (user_id, service_id, occurred_at, activity, detail, channel, ip_address)
            SELECT %s, (%s::bigint[])[1 + g %% %s], now() - g * interval '7 minutes',
                   'view', (%s::text[])[1 + g %% 12], 'app',
                   ('203.0.113.' || (g %% 254 + 1))::inet
            FROM generate_series(1, %s) AS g
            """,
            [user.pk, ids, len(ids), details, records],
        )
        cursor.execute(f"ANALYZE {UsageRecord._meta.db_table}")
    return user
