"""Indexes for the admin's "Notices to customers": newest first, and the notices
not e-mailed yet newest first (a partial index, as small as the notices waiting).

On PostgreSQL they are built ``CONCURRENTLY`` (hence a migration outside a
transaction): a plain ``CREATE INDEX`` would block every new notice, that is every
status change of every request, for as long as the build over a large table
takes. A build cut short leaves an invalid index behind: it is dropped first, so
the migration run again finishes the work. Elsewhere (SQLite) a plain index.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.migrations.operations import AddIndex


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{self.index.name}"')
        return super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return AddIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )
        return super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("rights", "0048_system_task_hold_notice"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="requestnotification",
            index=models.Index(fields=["-created_at", "-id"], name="rights_notice_created_id"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="requestnotification",
            index=models.Index(
                condition=models.Q(("emailed_at__isnull", True)),
                fields=["-created_at", "-id"],
                name="rights_notice_unsent_new",
            ),
        ),
    ]
