"""The erasure ledger and `reapply_erasures` after a restore from backup (acceptance 5).

APPI art. 35 / GDPR art. 17: what was erased must stay erased, also when a
database backup taken before the erasure is restored.
"""

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder

from portal.models import Invoice, Profile, ServiceRegistration, UsageRecord, User
from rights.models import ErasureLedgerEntry
from rights.retention import jobs

from .retention_support import approve, at, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db

VALUES = ("Hanako", "Chiyoda", "03-5555-0123", "100-0001")


def _dump(*querysets) -> str:
    """A backup of some rows, as a restore would bring them back."""
    return serializers.serialize("json", [obj for qs in querysets for obj in qs])


def _restore(dump: str) -> None:
    for restored in serializers.deserialize("json", dump):
        restored.save()


def test_reapply_erases_again_what_a_restore_brought_back(
    officer, settings, tmp_path, django_capture_on_commit_callbacks
):
    ledger_file = tmp_path / "erasure-ledger.jsonl"
    settings.RIGHTS_ERASURE_LEDGER_FILE = str(ledger_file)
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=3)
        backup = _dump(
            User.objects.filter(pk=customer.pk),
            Profile.objects.filter(user=customer),
            UsageRecord.objects.filter(user=customer),
            Invoice.objects.filter(user=customer),
        )
        request = file_deletion(customer, scope={"everything": True})
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)

    customer.refresh_from_db()
    assert customer.email.endswith("@erased.invalid")
    assert not UsageRecord.objects.filter(user=customer).exists()
    entries = ErasureLedgerEntry.objects.filter(subject=customer)
    assert entries.exists()
    # No erased value is in the ledger, in the table or in the file.
    lines = ledger_file.read_text().splitlines()
    assert len(lines) == entries.count()
    for text in [
        *lines,
        *(json.dumps(list(entries.values()), cls=DjangoJSONEncoder), str(list(entries.values()))),
    ]:
        for value in VALUES:
            assert value not in text

    # The database is restored from the backup taken before the erasure: the rows come
    # back, and the ledger table is as old as the backup (empty).
    _restore(backup)
    ErasureLedgerEntry.objects.all().delete()
    assert UsageRecord.objects.filter(user=customer).count() == 3
    assert Profile.objects.get(user=customer).full_name == "Hanako Sato"

    with time_machine.travel(at(2026, 7, 20), tick=False):
        out = io.StringIO()
        call_command("reapply_erasures", "--ledger", str(ledger_file), stdout=out)
    assert f"{len(lines)} entries added" in out.getvalue()
    assert not UsageRecord.objects.filter(user=customer).exists()
    profile = Profile.objects.get(user=customer)
    assert (profile.full_name, profile.address, profile.phone) == ("", "", "")
    customer.refresh_from_db()
    assert customer.email == f"erased-{customer.pk}@erased.invalid"
    # The invoices are still under the Corporation Tax Act rule: kept.
    assert Invoice.objects.filter(user=customer).count() == 1

    # Running it again finds nothing more to erase.
    with time_machine.travel(at(2026, 7, 21), tick=False):
        again = jobs.reapply_erasures()
    assert again.total == 0


def test_reapply_repeats_a_sweep_over_restored_rows():
    """usage-log: a sweep batch is erased again by its id range and its day's cutoff."""
    from tests.factories import RegistrationFactory, ServiceFactory, UsageRecordFactory, UserFactory

    with time_machine.travel(at(2026, 7, 1), tick=False):
        video = ServiceFactory(code="video")
        gone, stays = UserFactory(), UserFactory()
        RegistrationFactory(user=gone, service=video, ended_on=dt.date(2024, 1, 31))
        RegistrationFactory(user=stays, service=video)
        for user in (gone, stays):
            UsageRecordFactory(user=user, service=video, occurred_at=at(2023, 5, 1))
        backup = _dump(UsageRecord.objects.all())
        assert jobs.run_sweep().total == 1
        # A newer record of the running registration appears after the sweep.
        _restore(backup)
        assert UsageRecord.objects.count() == 2
        run = jobs.reapply_erasures()
    assert run.counts == {"usage-log": {"portal.usagerecord": 1}}
    assert list(UsageRecord.objects.values_list("user", flat=True)) == [stays.pk]
    assert ServiceRegistration.objects.count() == 2
