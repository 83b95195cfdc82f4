"""A customer's rows are read whole in the order of their (user, service, time) index.

A disclosure package, the "my data" pages and the connectors read a customer's
rows of a source grouped by service, newest first. Ordered by the service's
code, PostgreSQL joined the services and sorted every row (a million usage
records spilled the sort to disk before the first row came out); ordered by
the service's key it reads them from the composite index as they are.
"""

import datetime as dt

import factory
import pytest
from django.db import connection, transaction
from django.utils import timezone

from portal.kernel.registry import registry
from portal.records.models import UsageRecord
from tests.factories import ServiceFactory, UsageRecordFactory, UserFactory

pytestmark = pytest.mark.django_db


def _plan(queryset) -> str:
    # With sorting (whole or incremental) made as dear as PostgreSQL allows, a plan
    # still sorts only when no index gives the order, whatever the table's statistics.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        return queryset.explain()


@pytest.fixture
def usage_source():
    return next(s for s in registry.sources() if getattr(s, "model", None) is UsageRecord)


@pytest.fixture
def subject():
    # Created in this order, "video" has the smaller key and comes first.
    services = [ServiceFactory(code="video"), ServiceFactory(code="mobile")]
    user = UserFactory()
    now = timezone.now()
    UsageRecordFactory.create_batch(
        2_000,
        user=user,
        service=factory.Iterator(services),
        occurred_at=factory.Sequence(lambda n: now - dt.timedelta(minutes=7 * (n % 997))),
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {UsageRecord._meta.db_table}")
    return user


def test_the_rows_of_an_export_are_read_from_the_index_in_order(usage_source, subject):
    if connection.vendor != "postgresql":
        pytest.skip("the query plan is PostgreSQL's; SQLite plans differently")
    names = [f.name for f in usage_source.fields]
    plan = _plan(usage_source.rows_query(subject, names))
    assert "usage_user_service_time" in plan, plan
    assert "Sort" not in plan, plan


def test_the_rows_are_grouped_by_service_newest_first(usage_source, subject):
    rows = list(usage_source.rows(subject, ["occurred_at"]))
    assert len(rows) == 2_000
    assert list(dict.fromkeys(row[1] for row in rows)) == ["video", "mobile"]
    for code in ("video", "mobile"):
        times = [row[2] for row in rows if row[1] == code]
        assert times == sorted(times, reverse=True)
