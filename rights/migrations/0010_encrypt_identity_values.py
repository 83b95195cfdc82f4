"""Encrypt the requesters' and persons' phone numbers and dates of birth stored
before 0009. Not atomic, resumable: see portal 0009."""

from django.db import migrations

from portal.kernel import encryption

IDENTITY = encryption.TableSpec(
    table="rights_requestidentity",
    pk="request_id",
    columns={"requester_phone": "text", "subject_phone": "text", "subject_date_of_birth": "date"},
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("rights", "0009_identity_encrypted_columns"),
    ]

    operations = [encryption.migration_operation(IDENTITY)]
