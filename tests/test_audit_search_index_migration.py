"""The audit search's trigram indexes are built concurrently; a build cut short
(the migration process killed) leaves an invalid index of the same name behind,
and running the migration again must finish the work, not fail on the name."""

import importlib

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

migration = importlib.import_module("portal.kernel.migrations.0019_audit_search_trigram_indexes")


def _indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, am.amname, i.indisvalid FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
            "WHERE c.relname = ANY(%s)",
            [list(migration.INDEXES)],
        )
        return {name: (method, valid) for name, method, valid in cursor.fetchall()}


def test_building_the_indexes_again_replaces_what_a_cut_build_left():
    if connection.vendor != "postgresql":
        pytest.skip("the trigram indexes exist on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX IF EXISTS "audit_action_trgm"')
        # What an interrupted CREATE INDEX CONCURRENTLY leaves: an index by that name,
        # marked invalid, that the planner never uses.
        cursor.execute('CREATE INDEX "audit_action_trgm" ON "portal_auditevent" ("action")')
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false "
            "WHERE indexrelid = 'audit_action_trgm'::regclass"
        )
    with connection.schema_editor(atomic=False) as editor:
        migration.create_indexes(None, editor)

    assert _indexes() == {"audit_action_trgm": ("gin", True), "audit_target_trgm": ("gin", True)}
