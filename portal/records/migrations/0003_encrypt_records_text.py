"""Encrypt the usage details, invoice items and inquiries stored before 0002.
Not atomic, resumable: see portal 0009."""

from django.db import migrations

from portal.kernel import encryption


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("records", "0002_records_text_encrypted"),
    ]

    operations = [
        encryption.migration_operation(
            encryption.TableSpec(table="portal_usagerecord", pk="id", columns={"detail": "text"}),
            encryption.TableSpec(table="portal_invoice", pk="id", columns={"items": "json"}),
            encryption.TableSpec(
                table="portal_inquiry",
                pk="id",
                columns={"subject": "text", "message": "text", "reply": "text"},
            ),
        )
    ]
