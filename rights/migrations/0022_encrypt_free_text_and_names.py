"""Encrypt the free text, messages, names, addresses and file names of requests
stored before 0021. Not atomic, resumable: see portal 0009."""

from django.db import migrations

from portal.kernel import encryption


def _spec(table: str, *columns: str, pk: str = "id") -> encryption.TableSpec:
    return encryption.TableSpec(table=table, pk=pk, columns=dict.fromkeys(columns, "text"))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("rights", "0021_free_text_and_names_encrypted"),
    ]

    operations = [
        encryption.migration_operation(
            _spec("rights_rightsrequest", "details", "unfounded_reason"),
            _spec("rights_requestevent", "reason"),
            _spec("rights_requestmessage", "body", "attachment_name"),
            _spec(
                "rights_requestidentity",
                "requester_name",
                "requester_email",
                "subject_name",
                "subject_email",
                "confirmation_email",
                "decision_note",
                pk="request_id",
            ),
            _spec("rights_identitydocument", "original_name"),
            _spec("rights_emailconfirmation", "email"),
        )
    ]
