"""The erasure ledger and `reapply_erasures` after a restore from backup (acceptance 5).

APPI art. 35 / GDPR art. 17: what was erased must stay erased, also when a
database backup taken before the erasure is restored.
"""

import datetime as dt
import io
import json

import pgtrigger
import pytest
import time_machine
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder

from portal.kernel.models import Profile, ServiceRegistration, User
from portal.records.models import Invoice, UsageRecord
from rights.models import ErasureLedgerEntry
from rights.retention import jobs, replay
from tests.factories import PASSWORD

from .retention_support import approve, at, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db

VALUES = ("Hanako", "Chiyoda", "03-5555-0123", "100-0001")


def _dump(*querysets) -> str:
    """A backup of some rows, as a restore would bring them back."""
    return serializers.serialize("json", [obj for qs in querysets for obj in qs])


def _empty_ledger_table() -> None:
    """The ledger table as a backup from before the erasures has it: empty. A restore
    replaces the whole table; the append-only trigger is stepped past deliberately."""
    with pgtrigger.ignore("rights.ErasureLedgerEntry:ledger_append_only"):
        ErasureLedgerEntry.objects.all().delete()


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
    _empty_ledger_table()
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
        again = replay.reapply_erasures()
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
        run = replay.reapply_erasures()
    assert run.counts == {"usage-log": {"portal.usagerecord": 1}}
    assert list(UsageRecord.objects.values_list("user", flat=True)) == [stays.pk]
    assert ServiceRegistration.objects.count() == 2


# -- account closure in the ledger, and a ledger file written before the commit (issue 17) ------


def _customer_with_devices_and_session(client):
    """A customer with an e-mail code device, an authenticator app and a live session."""
    from portal.kernel.models import CustomerTOTPDevice
    from portal.kernel.stepup import email_device_for

    customer = customer_with_records(usage=3)
    customer.set_password(PASSWORD)
    customer.save(update_fields=["password"])
    email_device_for(customer)
    CustomerTOTPDevice.objects.create(user=customer, name="phone", confirmed=True)
    client.force_login(customer)
    return customer


def _backup_of(customer) -> str:
    from django.contrib.sessions.models import Session
    from django_otp.plugins.otp_email.models import EmailDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal.kernel.models import CustomerEmailDevice, CustomerTOTPDevice

    return _dump(
        User.objects.filter(pk=customer.pk),
        Profile.objects.filter(user=customer),
        UsageRecord.objects.filter(user=customer),
        EmailDevice.objects.filter(user=customer),
        CustomerEmailDevice.objects.filter(user=customer),
        TOTPDevice.objects.filter(user=customer),
        CustomerTOTPDevice.objects.filter(user=customer),
        Session.objects.all(),
    )


def _devices(customer) -> int:
    from django_otp import devices_for_user

    return len(list(devices_for_user(customer, confirmed=None)))


def test_a_restore_and_the_replay_leave_a_closed_account_closed(
    officer, client, settings, tmp_path, django_capture_on_commit_callbacks
):
    """APPI art. 35 / GDPR art. 17: a closed account is not re-opened by a restore.

    Before issue 17 the closure wrote no ledger entry: the restored account was
    active again, its old password worked and its one-time-password devices were back.
    """
    from django.contrib.auth import authenticate
    from django.contrib.sessions.models import Session

    from rights.models import AccountClosure

    ledger_file = tmp_path / "erasure-ledger.jsonl"
    settings.RIGHTS_ERASURE_LEDGER_FILE = str(ledger_file)
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = _customer_with_devices_and_session(client)
        address = customer.email
        assert (_devices(customer), Session.objects.count()) == (2, 1)
        backup = _backup_of(customer)
        request = file_deletion(customer, scope={"everything": True})
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)

    closures = ErasureLedgerEntry.objects.filter(reason=ErasureLedgerEntry.Reason.CLOSURE)
    assert list(closures.values_list("subject_id", "source", "category", "count", "request")) == [
        (customer.pk, "portal.user", "account", 1, request.pk)
    ]
    lines = [json.loads(line) for line in ledger_file.read_text().splitlines()]
    assert [line["uid"] for line in lines if line["reason"] == "closure"] == [
        str(closures.get().uid)
    ]

    # The backup comes back: the account is open, with its password, devices and session.
    _restore(backup)
    AccountClosure.objects.all().delete()
    _empty_ledger_table()
    customer.refresh_from_db()
    assert customer.is_active and customer.check_password(PASSWORD)
    assert authenticate(email=address, password=PASSWORD) == customer
    assert (_devices(customer), Session.objects.count()) == (2, 1)

    with time_machine.travel(at(2026, 7, 1, hour=12), tick=False):
        out = io.StringIO()
        call_command("reapply_erasures", "--ledger", str(ledger_file), stdout=out)
    assert f"{len(lines)} entries added" in out.getvalue()
    customer.refresh_from_db()
    assert not customer.is_active
    assert not customer.has_usable_password()
    assert not customer.check_password(PASSWORD)
    assert authenticate(email=address, password=PASSWORD) is None
    assert customer.email == f"erased-{customer.pk}@erased.invalid"
    assert (_devices(customer), Session.objects.count()) == (0, 0)
    assert AccountClosure.objects.filter(user=customer).count() == 1
    assert UsageRecord.objects.filter(user=customer).count() == 0
    assert Profile.objects.get(user=customer).full_name == ""

    with time_machine.travel(at(2026, 7, 1, hour=13), tick=False):
        again = replay.reapply_erasures()
    assert again.total == 0


def test_closing_an_account_twice_writes_one_ledger_entry(settings, tmp_path):
    from rights.retention.closure import account_close

    settings.RIGHTS_ERASURE_LEDGER_FILE = str(tmp_path / "ledger.jsonl")
    customer = customer_with_records(usage=0)
    account_close(user=customer)
    account_close(user=customer)
    assert ErasureLedgerEntry.objects.filter(subject=customer).count() == 1
    assert len((tmp_path / "ledger.jsonl").read_text().splitlines()) == 1


def test_the_ledger_line_is_on_disk_before_the_erasure_commits(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    """A worker killed right after the commit has already written its ledger line."""
    from django.db import transaction

    from rights.retention.closure import account_close

    ledger_file = tmp_path / "ledger.jsonl"
    settings.RIGHTS_ERASURE_LEDGER_FILE = str(ledger_file)
    customer = customer_with_records(usage=0)
    # No on-commit callback runs: as if the process died at the commit.
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        account_close(user=customer)
        uid = str(ErasureLedgerEntry.objects.get(subject=customer).uid)
        assert [json.loads(line)["uid"] for line in ledger_file.read_text().splitlines()] == [uid]


def test_an_erasure_whose_ledger_line_cannot_be_written_erases_nothing(settings, tmp_path):
    from rights.retention.closure import account_close

    settings.RIGHTS_ERASURE_LEDGER_FILE = str(tmp_path)  # a directory: cannot be written
    customer = customer_with_records(usage=0)
    with pytest.raises(OSError):
        account_close(user=customer)
    customer.refresh_from_db()
    assert customer.is_active
    assert ErasureLedgerEntry.objects.count() == 0


def test_the_fill_job_appends_committed_entries_the_file_lacks(settings, tmp_path):
    """An entry the file lacks (an older release appended after commit) is added once."""
    from rights.retention.closure import account_close
    from rights.tasks import erasure_ledger_fill

    settings.RIGHTS_ERASURE_LEDGER_FILE = ""
    first, second = customer_with_records(usage=0), customer_with_records(usage=0)
    account_close(user=first)
    ledger_file = tmp_path / "ledger.jsonl"
    settings.RIGHTS_ERASURE_LEDGER_FILE = str(ledger_file)
    account_close(user=second)
    assert erasure_ledger_fill() == 1
    assert erasure_ledger_fill() == 0
    subjects = [json.loads(line)["subject_id"] for line in ledger_file.read_text().splitlines()]
    assert subjects == [second.pk, first.pk]


@pytest.mark.django_db(transaction=True)
def test_an_entry_whose_transaction_rolled_back_is_not_replayed(settings, tmp_path):
    """The line is written before the commit; PostgreSQL still knows the rollback."""
    from django.db import connection, transaction

    from rights.retention.closure import account_close

    if connection.vendor != "postgresql":
        pytest.skip("transaction outcomes are known on PostgreSQL only")
    ledger_file = tmp_path / "ledger.jsonl"
    settings.RIGHTS_ERASURE_LEDGER_FILE = str(ledger_file)
    kept_open, closed = customer_with_records(usage=0), customer_with_records(usage=0)
    with pytest.raises(RuntimeError), transaction.atomic():
        account_close(user=kept_open)
        raise RuntimeError("the commit fails")
    account_close(user=closed)
    assert len(ledger_file.read_text().splitlines()) == 2
    # A restore from a backup taken before both: the accounts are open, the table empty.
    _empty_ledger_table()
    User.objects.filter(pk=closed.pk).update(is_active=True)

    imported = replay.import_ledger_file(ledger_file)
    assert (imported.added, imported.rolled_back) == (1, 1)
    run = replay.reapply_erasures()
    assert run.total == 1
    assert list(
        User.objects.filter(pk__in=[kept_open.pk, closed.pk])
        .values_list("pk", "is_active")
        .order_by("pk")
    ) == sorted([(kept_open.pk, True), (closed.pk, False)])


def test_accounts_closed_before_the_closure_entry_get_one_from_the_migration():
    import importlib

    from django.apps import apps

    from rights.models import AccountClosure

    migration = importlib.import_module("rights.migrations.0014_ledger_entries_for_closed_accounts")
    old, new = customer_with_records(usage=0), customer_with_records(usage=0)
    AccountClosure.objects.create(user=old)
    from rights.retention.closure import account_close

    account_close(user=new)
    migration.add_closure_entries(apps, None)
    migration.add_closure_entries(apps, None)
    closures = ErasureLedgerEntry.objects.filter(reason=ErasureLedgerEntry.Reason.CLOSURE)
    assert sorted(closures.values_list("subject_id", "source", "category", "count")) == [
        (old.pk, "portal.user", "account", 1),
        (new.pk, "portal.user", "account", 1),
    ]
    # The replay closes the account the old release left without an entry too.
    User.objects.filter(pk=old.pk).update(is_active=True)
    assert replay.reapply_erasures().total == 1
    old.refresh_from_db()
    assert not old.is_active


def _erased_then_restored(officer, settings, tmp_path, capture):
    """A customer erased after the backup, then the backup restored: the ledger file
    holds the erasures, the restored table none of them."""
    ledger_file = tmp_path / "erasure-ledger.jsonl"
    settings.RIGHTS_ERASURE_LEDGER_FILE = str(ledger_file)
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=3)
        backup = _dump(UsageRecord.objects.filter(user=customer))
        request = file_deletion(customer, scope={"everything": True})
        with capture(execute=True):
            approve(request, officer)
    assert not UsageRecord.objects.filter(user=customer).exists()
    _restore(backup)
    _empty_ledger_table()
    assert UsageRecord.objects.filter(user=customer).count() == 3
    return customer, ledger_file


@pytest.mark.parametrize("arguments", [(), ("--ledger", "")])
def test_the_replay_reads_the_configured_ledger_file_by_default(
    arguments, officer, settings, tmp_path, django_capture_on_commit_callbacks
):
    """APPI art. 35 / GDPR art. 17: the documented replay after a restore erases again.

    docs/operations.md runs `reapply_erasures --ledger "$RIGHTS_ERASURE_LEDGER_FILE"`;
    with the ledger at its default place (or the variable only in .env) the shell
    passes an empty name. The command then imported nothing, said "erased 0 records
    (finished)", and the records erased since the backup stayed restored.
    """
    customer, ledger_file = _erased_then_restored(
        officer, settings, tmp_path, django_capture_on_commit_callbacks
    )
    lines = ledger_file.read_text().splitlines()
    with time_machine.travel(at(2026, 7, 20), tick=False):
        out = io.StringIO()
        call_command("reapply_erasures", *arguments, stdout=out)
    assert f"Ledger file: {len(lines)} entries added to the table." in out.getvalue()
    assert not UsageRecord.objects.filter(user=customer).exists()


def test_the_replay_stops_when_the_ledger_file_is_missing(
    officer, settings, tmp_path, django_capture_on_commit_callbacks
):
    """APPI art. 35 / GDPR art. 17: a replay without the ledger file says so, erases nothing."""
    from django.core.management.base import CommandError

    customer, ledger_file = _erased_then_restored(
        officer, settings, tmp_path, django_capture_on_commit_callbacks
    )
    ledger_file.unlink()
    with pytest.raises(CommandError, match="erasure-ledger.jsonl"):
        call_command("reapply_erasures", stdout=io.StringIO())
    assert UsageRecord.objects.filter(user=customer).count() == 3


def test_the_replay_without_a_ledger_file_says_only_the_table_is_applied(settings):
    settings.RIGHTS_ERASURE_LEDGER_FILE = ""
    out = io.StringIO()
    call_command("reapply_erasures", stdout=out)
    assert "RIGHTS_ERASURE_LEDGER_FILE is empty" in out.getvalue()
