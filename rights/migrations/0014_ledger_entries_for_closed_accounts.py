"""A ledger entry for each account closed before closures were written to the ledger.

The nightly ``rights.tasks.erasure_ledger_fill`` then appends them to the ledger
file, so a restore followed by ``reapply_erasures`` closes these accounts again.
"""

import uuid

from django.db import migrations


def add_closure_entries(apps, schema_editor):
    AccountClosure = apps.get_model("rights", "AccountClosure")
    ErasureLedgerEntry = apps.get_model("rights", "ErasureLedgerEntry")
    recorded = set(
        ErasureLedgerEntry.objects.filter(reason="closure").values_list("subject_id", flat=True)
    )
    ErasureLedgerEntry.objects.bulk_create(
        [
            ErasureLedgerEntry(
                uid=uuid.uuid4(),
                subject_id=closure.user_id,
                source="portal.user",
                category="account",
                reason="closure",
                count=1,
                request_id=closure.request_id,
                erased_at=closure.closed_at,
            )
            for closure in AccountClosure.objects.exclude(user_id__in=recorded).order_by("pk")
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("rights", "0013_ledger_reason_account_closure"),
    ]

    operations = [
        migrations.RunPython(add_closure_entries, migrations.RunPython.noop),
    ]
