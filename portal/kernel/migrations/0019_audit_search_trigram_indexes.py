"""Trigram indexes for the audit screen's search box, on PostgreSQL only.

The search matches part of an action or a target (``icontains``, which PostgreSQL
runs as ``UPPER(col::text) LIKE UPPER('%term%')``): a btree index cannot serve a
pattern that starts with a wildcard, so each search read the whole trail. A GIN
index of ``pg_trgm`` trigrams over the same ``UPPER`` expression serves it.

The indexes are built ``CONCURRENTLY`` (hence a migration outside a transaction):
a plain ``CREATE INDEX`` would block every insert into the trail, that is every
audited action, for as long as the build of a large table takes. They are not in
the model's state: SQLite has neither GIN nor trigrams, and keeps its scan.
Nothing here updates or deletes a row, so the append-only triggers are untouched.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {"audit_action_trgm": "action", "audit_target_trgm": "target"}


class KeptTrigramExtension(TrigramExtension):
    """``CREATE EXTENSION pg_trgm`` on PostgreSQL (nothing elsewhere) when it is missing.

    Reversed, the extension stays: it may have been installed before this migration
    or be used by something else, and it costs nothing unused. (Django's own reversal
    would also query ``pg_extension`` on SQLite, which has none.)
    """

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


def create_indexes(apps, schema_editor):
    """Build each index; one by the same name is dropped first: a concurrent build cut
    short (the process killed) leaves an invalid index behind, and the migration, run
    again, must finish the work rather than fail on the name."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
        schema_editor.execute(
            f'CREATE INDEX CONCURRENTLY "{name}" ON "portal_auditevent" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("portal", "0018_profile_contact_validators"),
    ]

    operations = [
        KeptTrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
