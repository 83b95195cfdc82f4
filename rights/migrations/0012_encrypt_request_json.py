"""Encrypt the scopes, event details and notice contexts stored before 0011
(they hold the values a correction asked for, before and after). Not atomic,
resumable: see portal 0009."""

from django.db import migrations

from portal.kernel import encryption


def _spec(table: str, column: str) -> encryption.TableSpec:
    return encryption.TableSpec(table=table, pk="id", columns={column: "json"})


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("rights", "0011_request_json_encrypted"),
    ]

    operations = [
        encryption.migration_operation(
            _spec("rights_rightsrequest", "scope"),
            _spec("rights_requestevent", "details"),
            _spec("rights_requestnotification", "context"),
        )
    ]
