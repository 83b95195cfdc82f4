"""Customers whose usage history is past its retention period, for the fault tests of
the scheduled retention sweep."""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection

from portal.kernel.encryption import encrypt
from portal.kernel.models import ServiceRegistration, User
from portal.records.models import UsageRecord
from tests.factories import ServiceFactory

USAGE = UsageRecord._meta.db_table


def former_and_current_customers(count: int, rows: int, *, current_every: int = 0) -> list:
    """``count`` customers with ``rows`` usage records each (written in one statement).

    Their registration ended in January 2023 (usage past its period since
    February 2025), except every ``current_every``-th, still registered.
    """
    service = ServiceFactory()
    tag = f"sweep-{time.monotonic_ns()}"
    User.objects.bulk_create(
        User(email=f"{tag}-{n}@example.com", password="!") for n in range(count)
    )
    users = list(User.objects.filter(email__startswith=f"{tag}-").order_by("pk"))
    ServiceRegistration.objects.bulk_create(
        ServiceRegistration(
            user=user,
            service=service,
            member_number=f"{tag}-{n}",
            started_on=dt.date(2020, 4, 1),
            ended_on=(
                None
                if current_every and n % current_every == current_every - 1
                else dt.date(2023, 1, 31)
            ),
        )
        for n, user in enumerate(users)
    )
    # The detail is encrypted at rest, as the portal writes it: twelve episodes.
    episodes = [encrypt(f"Episode {n}") for n in range(1, 13)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {USAGE} (user_id, service_id, occurred_at, activity, detail, channel,
                                 ip_address)
            SELECT (%s::bigint[])[1 + (g - 1) / %s], %s,
                   timestamptz '2022-12-31 12:00+09' - g * interval '1 minute',
                   'view', (%s::text[])[1 + g %% 12], 'app',
                   ('203.0.113.' || (g %% 254 + 1))::inet
            FROM generate_series(1, %s) AS g
            """,
            [[u.pk for u in users], rows, service.pk, episodes, count * rows],
        )
    assert UsageRecord.objects.count() == count * rows
    return users
