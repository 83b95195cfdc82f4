"""The rendered "my data" view is kept while the customer's data is unchanged (issue 21).

A reload costs one query of the registry (the counts with the rows' versions);
any change to a row of the customer's shows at once, also one written behind
the ORM's back (raw SQL, ``QuerySet.update``), because the version is read
from PostgreSQL's row versions, not from signals. The cached copy is encrypted,
and erasure drops it. On SQLite nothing is cached.
"""

import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.kernel import encryption
from portal.kernel.registry import Category, registry, view_cache_key
from portal.records.models import Invoice, UsageRecord
from tests.factories import InvoiceFactory, ServiceFactory, UsageRecordFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _row_versions():
    if connection.vendor != "postgresql":
        pytest.skip("row versions exist on PostgreSQL only: set DATABASE_URL=postgres://...")


@pytest.fixture
def history(customer):
    service = ServiceFactory(code="video", name="シネマプラス", name_en="Cinema Plus")
    UsageRecordFactory(user=customer, service=service, detail="ドラマ第1話")
    InvoiceFactory(user=customer, service=service, number="INV-CACHE-1")
    return service


def _page(client) -> str:
    response = client.get("/my-data/")
    assert response.status_code == 200
    return response.content.decode()


def _unmasked(html: str) -> str:
    """The page without the form's token and the idle warning's seconds left, which
    count down between two reloads (the session's last use is written once a minute)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'data-idle-seconds-left="\d+"', 'data-idle-seconds-left=""', html)


def _usage_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "portal_usagerecord" in q["sql"]]


def test_a_reload_with_nothing_changed_reads_the_registry_once(
    stepped_up_client, customer, history
):
    _page(stepped_up_client)  # shows and so clears the login's message
    cache.delete(view_cache_key(customer.pk))
    first = _page(stepped_up_client)  # rendered
    with CaptureQueriesContext(connection) as queries:
        again = _page(stepped_up_client)
    # The same page, but for the logout form's CSRF token, masked afresh per response.
    assert _unmasked(again) == _unmasked(first)
    # The census (counts and versions, one UNION ALL) and no page query of any history.
    assert len(_usage_queries(queries)) == 1
    assert not [q for q in queries.captured_queries if "portal_invoice" in q["sql"]][1:]


def test_a_row_written_with_raw_sql_shows_on_the_next_page(stepped_up_client, customer, history):
    assert "ドラマ第1話" in _page(stepped_up_client)
    record = UsageRecord.objects.get(user=customer)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE portal_usagerecord SET detail = %s WHERE id = %s",
            [encryption.encrypt("ドラマ第2話"), record.pk],
        )
    html = _page(stepped_up_client)
    assert "ドラマ第2話" in html and "ドラマ第1話" not in html


def test_queryset_update_and_delete_show_on_the_next_page(stepped_up_client, customer, history):
    assert "INV-CACHE-1" in _page(stepped_up_client)
    Invoice.objects.filter(user=customer).update(number="INV-CACHE-2")
    assert "INV-CACHE-2" in _page(stepped_up_client)

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_usagerecord WHERE user_id = %s", [customer.pk])
    assert "ドラマ第1話" not in _page(stepped_up_client)


def test_another_customers_change_keeps_the_view(
    stepped_up_client, customer, other_customer, history
):
    _page(stepped_up_client)
    UsageRecordFactory(user=other_customer, service=history)
    with CaptureQueriesContext(connection) as queries:
        _page(stepped_up_client)
    assert len(_usage_queries(queries)) == 1


def test_the_language_is_part_of_the_cached_view(stepped_up_client, history):
    assert "シネマプラス" in _page(stepped_up_client)
    stepped_up_client.post("/i18n/setlang/", {"language": "en", "next": "/my-data/"})
    html = _page(stepped_up_client)
    assert "Cinema Plus" in html and "Usage history" in html


def test_the_cached_view_is_encrypted(stepped_up_client, customer, history):
    html = _page(stepped_up_client)
    assert customer.profile.full_name in html
    stored = pickle.dumps(cache.get(view_cache_key(customer.pk)))
    for plain in (customer.profile.full_name, customer.email, "ドラマ第1話", "INV-CACHE-1"):
        assert plain.encode() not in stored
        assert plain.encode("utf-16-le") not in stored


def test_erasure_drops_the_cached_view(stepped_up_client, customer, officer, history):  # noqa: F811
    _page(stepped_up_client)
    assert cache.get(view_cache_key(customer.pk)) is not None
    registry.erase(customer, Category.USAGE, actor=officer)
    assert cache.get(view_cache_key(customer.pk)) is None
    assert "ドラマ第1話" not in _page(stepped_up_client)


def test_a_page_of_a_history_is_rendered_not_cached(stepped_up_client, customer, history):
    for n in range(25):
        UsageRecordFactory(user=customer, service=history, detail=f"第{n}話の視聴")
    first = _page(stepped_up_client)
    cached = cache.get(view_cache_key(customer.pk))
    second = stepped_up_client.get("/my-data/", {"p.portal.usagerecord.video": "2"})
    assert second.status_code == 200 and second.content.decode() != first
    assert cache.get(view_cache_key(customer.pk)) == cached


def _prepared_runs() -> int:
    """Runs of the prepared counts statement on this connection (none yet: 0)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["%rp_source%rp_version%"],
        )
        found = cursor.fetchall()
    assert len(found) <= 1
    return found[0][0] if found else 0


def test_the_version_query_is_prepared_once_per_connection(stepped_up_client, customer, history):
    """Its 18 parts cost more to plan than to run: prepared on its first run on a
    connection, every reload runs the prepared statement."""

    _page(stepped_up_client)  # shows and so clears the login's message
    before = _prepared_runs()
    first = _page(stepped_up_client)
    for _ in range(6):
        assert _unmasked(_page(stepped_up_client)) == _unmasked(first)
    assert _prepared_runs() == before + 7
    # The prepared statement gives the same rows as the statement as text.
    with connection.cursor() as cursor:
        (statement,) = [s for (_, versioned, _), s in registry._compiled.items() if versioned]
        params = list(statement.params)
        for position in statement.positions:
            params[position] = customer.pk
        cursor.execute(statement.sql, params)
        assert sorted(cursor.fetchall()) == sorted(statement.rows(customer))


def test_with_prepared_statements_off_the_counts_query_runs_unprepared(
    stepped_up_client, customer, history
):
    """DATABASE_PREPARED_STATEMENTS=false (a pooler that does not keep them) leaves
    psycopg's prepare_threshold unset: the same rows, nothing prepared."""
    connection.ensure_connection()
    raw = connection.connection
    threshold = raw.prepare_threshold
    _page(stepped_up_client)
    before = _prepared_runs()
    raw.prepare_threshold = None
    try:
        census = registry.census(customer)
        _page(stepped_up_client)
    finally:
        raw.prepare_threshold = threshold
    assert _prepared_runs() == before
    assert registry.census(customer) == census
    assert census.counts["portal.usagerecord"] == {"video": 1}


def test_prepared_statements_are_set_on_postgresql_unless_turned_off():
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'; "
        "django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default'].get('OPTIONS', {}).get('prepare_threshold'))"
    )
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused"}
    run = [sys.executable, "-c", script]
    on = subprocess.run(run, env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    env["DATABASE_PREPARED_STATEMENTS"] = "false"
    off = subprocess.run(run, env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    assert (on.stdout.strip(), off.stdout.strip()) == ("5", "None")
