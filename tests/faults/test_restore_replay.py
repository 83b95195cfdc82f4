"""A backup restored after a deletion with account closure, and the documented replay (issue 17).

APPI art. 35 / GDPR art. 17: what was erased stays erased, and a closed account
stays closed, also when the database is restored from a backup taken before.

The steps are docs/operations.md's (*Restore and replay*): ``pg_dump --format=custom``, then the
deletion carried out by a real Celery worker, then ``pg_restore --clean
--if-exists --no-owner``, ``manage.py migrate`` and ``manage.py reapply_erasures
--ledger``. A second test kills the worker's process (SIGKILL) right after each
of its first three ledger-writing commits, before anything after the commit
can run, and finds every committed entry in the ledger file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django_otp import devices_for_user

from portal.kernel.models import CustomerTOTPDevice, Profile, ServiceRegistration, User
from portal.kernel.stepup import email_device_for
from portal.records.models import Inquiry, Invoice, UsageRecord
from rights import workflow
from rights.choices import Status
from rights.models import AccountClosure, RightsRequest
from rights.retention.models import DeferredErasure, ErasureLedgerEntry
from rights.services import request_submit
from tests.factories import PASSWORD
from tests.rights.retention_support import customer_with_records

from .conftest import ROOT, report, wait_for

USAGE = 25


def _customer(password: str = PASSWORD) -> User:
    """A customer with records, a password, two OTP devices and a live session."""
    from django.contrib.sessions.backends.db import SessionStore

    customer = customer_with_records(usage=USAGE)
    customer.set_password(password)
    customer.save(update_fields=["password"])
    email_device_for(customer)
    CustomerTOTPDevice.objects.create(user=customer, name="phone", confirmed=True)
    session = SessionStore()
    session["_auth_user_id"] = str(customer.pk)
    session.create()
    return customer


def state(user_id: int) -> dict:
    """What a customer has in the database, as the test compares it."""
    user = User.objects.get(pk=user_id)
    profile = Profile.objects.get(user_id=user_id)
    sessions = sum(
        1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user_id)
    )
    return {
        "active": user.is_active,
        "password works": user.check_password(PASSWORD),
        "email erased": user.email.endswith("@erased.invalid"),
        "otp devices": len(list(devices_for_user(user, confirmed=None))),
        "sessions": sessions,
        "closed": AccountClosure.objects.filter(user_id=user_id).count(),
        "profile": (profile.full_name, profile.address, profile.phone),
        "usage": UsageRecord.objects.filter(user_id=user_id).count(),
        "invoices": Invoice.objects.filter(user_id=user_id).count(),
        "inquiries": Inquiry.objects.filter(user_id=user_id).count(),
        "registrations": ServiceRegistration.objects.filter(user_id=user_id).count(),
    }


def delete_everything(customer, officer) -> RightsRequest:
    """A deletion of everything, account included, approved; the worker carries it out."""
    request = request_submit(
        subject=customer, requester=customer, kind="deletion", scope={"everything": True}
    )
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    workflow.transition(request, to=Status.IN_PROGRESS, actor=officer)
    return request


def carried_out(request_id: int, user_id: int):
    """The deletion finished, the final notice sent and the account's steps after it done.

    The login account is erased after the final notice, one step per category,
    each in its own transaction: the address may be erased while the next
    step has yet to commit its ledger entry.
    """

    def check() -> bool:
        request = RightsRequest.objects.get(pk=request_id)
        return (
            request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)
            and User.objects.get(pk=user_id).email.endswith("@erased.invalid")
            and not request.deferred_erasures.filter(
                status=DeferredErasure.Status.PENDING, reason=DeferredErasure.Reason.NOTICE
            ).exists()
        )

    return check


def manage(processes, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=processes.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def ledger_uids(path) -> list[str]:
    return [json.loads(line)["uid"] for line in path.read_text().splitlines() if line.strip()]


def test_a_restore_and_the_documented_replay_keep_the_account_closed_and_the_records_erased(
    fault_redis, processes, broker_publishing, officer, tmp_path
):
    ledger_file = tmp_path / "erasure-ledger.jsonl"
    customer, other = _customer(), _customer()
    before = {"customer": state(customer.pk), "other": state(other.pk)}
    assert before["customer"] == {
        "active": True,
        "password works": True,
        "email erased": False,
        "otp devices": 2,
        "sessions": 1,
        "closed": 0,
        "profile": ("Hanako Sato", "Chiyoda 1-1", "03-5555-0123"),
        "usage": USAGE,
        "invoices": 1,
        "inquiries": 1,
        "registrations": 1,
    }
    database_url = processes.env()["DATABASE_URL"]
    dump = tmp_path / "portal.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", database_url], check=True, timeout=120
    )

    processes.start_worker(concurrency=1, RIGHTS_ERASURE_LEDGER_FILE=str(ledger_file))
    request = delete_everything(customer, officer)
    wait_for(carried_out(request.pk, customer.pk), timeout=180, what="the deletion")
    erased = state(customer.pk)
    assert erased == {
        "active": False,
        "password works": False,
        "email erased": True,
        "otp devices": 0,
        "sessions": 0,
        "closed": 1,
        "profile": ("", "", ""),
        "usage": 0,
        # Kept under the Corporation Tax Act; the statement told the customer so.
        "invoices": 1,
        "inquiries": 0,
        "registrations": erased["registrations"],
    }
    entries = ErasureLedgerEntry.objects.filter(subject=customer)
    assert entries.filter(reason="closure").count() == 1
    assert sorted(ledger_uids(ledger_file)) == sorted(
        str(uid) for uid in entries.values_list("uid", flat=True)
    )
    entry_count = entries.count()

    # The documented restore: the processes stopped, the dump restored.
    processes.stop_all()
    connection.close()
    subprocess.run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            f"--dbname={database_url}",
            str(dump),
        ],
        check=True,
        timeout=300,
    )
    assert state(customer.pk) == before["customer"]  # the restore re-opened the account
    assert ErasureLedgerEntry.objects.count() == 0
    manage(processes, "migrate", "--no-input")
    out = manage(processes, "reapply_erasures", "--ledger", str(ledger_file))

    assert f"Ledger file: {entry_count} entries added to the table." in out
    assert state(customer.pk) == erased
    assert state(other.pk) == before["other"]
    # A second replay changes nothing.
    again = manage(processes, "reapply_erasures", "--ledger", str(ledger_file))
    assert "Ledger file: 0 entries added to the table." in again
    assert state(customer.pk) == erased
    report(f"Restore + replay: account closed again, {USAGE} usage records erased again")


SITECUSTOMIZE = textwrap.dedent(
    '''
    """Fault injection for the worker: SIGKILL right after a commit that wrote ledger entries."""
    import os
    import signal

    _LOG = os.environ.get("FAULT_KILL_LOG")
    _LIMIT = int(os.environ.get("FAULT_KILLS", "0"))

    if _LOG and _LIMIT:
        from django.db.backends.base import base as _base
        from django.db.models.signals import post_save

        def _mark(sender, instance, created, using, **kwargs):
            if created and sender._meta.label == "rights.ErasureLedgerEntry":
                from django.db import connections

                pending = connections[using].__dict__.setdefault("_fault_uids", [])
                pending.append(str(instance.uid))

        post_save.connect(_mark, weak=False, dispatch_uid="fault-kill-after-ledger-commit")
        _commit = _base.BaseDatabaseWrapper.commit
        _rollback = _base.BaseDatabaseWrapper.rollback

        def commit(self):
            _commit(self)
            uids = self.__dict__.pop("_fault_uids", [])
            if not uids:
                return
            try:
                with open(_LOG) as log:
                    kills = len(log.read().splitlines())
            except FileNotFoundError:
                kills = 0
            if kills < _LIMIT:
                with open(_LOG, "a") as log:
                    log.write(" ".join(uids) + "\\n")
                    log.flush()
                    os.fsync(log.fileno())
                # Committed; nothing after the commit (on-commit callbacks) runs.
                os.kill(os.getpid(), signal.SIGKILL)

        def rollback(self):
            self.__dict__.pop("_fault_uids", None)
            _rollback(self)

        _base.BaseDatabaseWrapper.commit = commit
        _base.BaseDatabaseWrapper.rollback = rollback
    '''
)


@pytest.mark.parametrize("kills", [3])
def test_the_ledger_file_has_every_entry_of_a_worker_killed_right_after_its_commits(
    fault_redis, processes, broker_publishing, officer, tmp_path, kills
):
    ledger_file = tmp_path / "erasure-ledger.jsonl"
    kill_log = tmp_path / "kills.log"
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(SITECUSTOMIZE)
    customer = _customer()
    processes.start_worker(
        concurrency=1,
        RIGHTS_ERASURE_LEDGER_FILE=str(ledger_file),
        PYTHONPATH=str(inject),
        FAULT_KILL_LOG=str(kill_log),
        FAULT_KILLS=str(kills),
    )
    request = delete_everything(customer, officer)
    wait_for(carried_out(request.pk, customer.pk), timeout=300, what="the deletion")

    killed_after = [uid for line in kill_log.read_text().splitlines() for uid in line.split()]
    assert len(kill_log.read_text().splitlines()) == kills
    assert "WorkerLostError" in processes.log("worker")
    table = sorted(str(uid) for uid in ErasureLedgerEntry.objects.values_list("uid", flat=True))
    in_file = ledger_uids(ledger_file)
    # Every committed entry is in the file once, those committed just before a kill too.
    assert set(killed_after) <= set(table)
    assert sorted(in_file) == table
    assert len(in_file) == len(set(in_file))
    state_now = state(customer.pk)
    assert (state_now["active"], state_now["usage"], state_now["otp devices"]) == (False, 0, 0)
    report(f"Worker killed after {kills} ledger commits: {len(table)} entries, all in the file")
