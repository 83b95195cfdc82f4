"""The retention sweep in a real worker: a hold placed mid-run, and the worker killed.

Issue 17, acceptance 2. Usage history is kept 2 years after the registration
with the service ended (rule "usage-log", APPI art. 22); a legal hold wins over
it (GDPR art. 17(3)(e)). The worker sweeps windows of 1,000 keys
(``RIGHTS_RETENTION_BATCH_SIZE``), each in its own transaction.
"""

from __future__ import annotations

import os
import signal
import threading
import time

from django.db import connection, connections, transaction

from portal.records.models import UsageRecord
from rights.models import ErasureLedgerEntry, RetentionRun
from rights.retention.holds.selectors import _HOLD_LOCK
from rights.retention.holds.services import hold_place
from rights.tasks import retention_sweep

from .conftest import pool_children, report, wait_for
from .sweep_support import former_and_current_customers

USAGE = UsageRecord._meta.db_table


def _hold(officer, subject, **kwargs):
    return hold_place(
        actor=officer,
        subject=subject,
        reason="Claim about roaming charges",
        legal_basis="GDPR art. 17(3)(e)",
        **kwargs,
    )


def _waiting(locktype_condition: str, params=()) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM pg_locks WHERE NOT granted AND {locktype_condition}", params
        )
        return cursor.fetchone()[0] > 0


def _sweeps():
    return RetentionRun.objects.filter(job=RetentionRun.Job.SWEEP)


def _swept_by_ledger() -> int:
    return sum(
        ErasureLedgerEntry.objects.filter(
            reason=ErasureLedgerEntry.Reason.SWEEP, source="portal.usagerecord"
        ).values_list("count", flat=True)
    )


def _worker_env(tmp_path) -> dict:
    return {
        "RIGHTS_RETENTION_BATCH_SIZE": "1000",
        "RIGHTS_ERASURE_LEDGER_FILE": str(tmp_path / "erasure-ledger.jsonl"),
    }


def test_a_hold_placed_between_two_batches_of_a_running_sweep_keeps_every_row_it_covers(
    fault_redis, processes, broker_publishing, officer, tmp_path
):
    """The hold is committed from another connection while the sweep is between two
    windows: the windows after it leave all of the held customer's records."""
    customers = former_and_current_customers(40, 500)  # 20,000 records, all past their period
    held = customers[-1]  # its records are in the last windows
    middle = UsageRecord.objects.filter(user=customers[20]).order_by("pk").first()
    processes.start_worker(concurrency=1, **_worker_env(tmp_path))

    placed = []

    def place():
        try:
            placed.append(_hold(officer, held))
        finally:
            connections.close_all()

    with transaction.atomic():
        # Stop the sweep in the middle: its window's DELETE waits for this row lock.
        UsageRecord.objects.select_for_update().get(pk=middle.pk)
        retention_sweep.delay()
        wait_for(
            lambda: _waiting("locktype IN ('transactionid', 'tuple')"),
            timeout=120,
            interval=0.05,
            what="the sweep to reach the locked window",
        )
        erased_before = 20_000 - UsageRecord.objects.count()
        assert 0 < erased_before < 10_500
        # Staff place the hold now: it waits for the window in progress.
        thread = threading.Thread(target=place)
        thread.start()
        wait_for(
            lambda: placed or _waiting("locktype = 'advisory' AND classid = %s", [_HOLD_LOCK[0]]),
            timeout=30,
            interval=0.05,
            what="the hold to be placed (or to wait for the window in progress)",
        )
    # The row lock is gone: the window finishes, then the hold commits, then the rest.
    thread.join(timeout=60)
    assert placed
    wait_for(
        lambda: (
            not _sweeps().filter(status=RetentionRun.Status.RUNNING).exists() and _sweeps().exists()
        ),
        timeout=120,
        what="the sweep to finish",
    )
    assert UsageRecord.objects.filter(user=held).count() == 500
    assert UsageRecord.objects.count() == 500
    run = _sweeps().get()
    assert run.status == RetentionRun.Status.FINISHED
    assert run.counts["usage-log"]["portal.usagerecord"] == 19_500
    assert _swept_by_ledger() == 19_500
    report(f"Hold placed mid-sweep: {erased_before:,} records erased before it, 0 held erased")


def test_a_sweep_of_200000_records_killed_five_times_resumes_and_erases_exactly_what_it_may(
    fault_redis, processes, broker_publishing, officer, tmp_path
):
    """SIGKILL to the pool process (the task comes back at once) and to the whole
    worker (started again, the next beat sends the task again), five times in all."""
    customers = former_and_current_customers(200, 1_000, current_every=10)
    current = customers[9::10]  # 20 customers still registered: not past the period
    held = [customers[0], customers[100]]
    _hold(officer, held[0])
    _hold(officer, held[1], categories=["usage"])
    kept = 1_000 * (len(current) + len(held))
    to_erase = 200_000 - kept
    env = _worker_env(tmp_path)
    worker = processes.start_worker(concurrency=1, **env)
    started = time.monotonic()
    retention_sweep.delay()

    def erased() -> int:
        return 200_000 - UsageRecord.objects.count()

    kills = []
    for n, threshold in enumerate((10_000, 35_000, 60_000, 85_000, 110_000)):
        wait_for(
            lambda threshold=threshold: erased() >= threshold,
            timeout=120,
            interval=0.02,
            what=f"{threshold:,} records erased",
        )
        if n % 2 == 0:
            children = pool_children(worker.pid)
            assert len(children) == 1
            os.kill(children[0], signal.SIGKILL)
        else:
            processes.kill("worker")
        at_kill = erased()
        assert at_kill < to_erase, "the sweep finished before the kill"
        assert _sweeps().filter(status=RetentionRun.Status.RUNNING).exists()
        kills.append(at_kill)
        if n % 2 == 1:
            worker = processes.start_worker(concurrency=1, **env)
            retention_sweep.delay()  # what the next beat does

    wait_for(
        lambda: not _sweeps().filter(status=RetentionRun.Status.RUNNING).exists(),
        timeout=150,
        what="the sweep to finish",
    )
    took = time.monotonic() - started

    assert UsageRecord.objects.count() == kept
    for customer in [*current, *held]:
        assert UsageRecord.objects.filter(user=customer).count() == 1_000
    assert _swept_by_ledger() == to_erase  # each record erased once, in the ledger once
    # One run, taken over after each kill and finished; none left "running".
    run = _sweeps().get()
    assert (run.status, run.resumed) == (RetentionRun.Status.FINISHED, 5)
    assert run.counts["usage-log"]["portal.usagerecord"] == to_erase
    assert "WorkerLostError" in processes.log("worker")
    report(
        f"Sweep of 200,000 records, SIGKILL x5 at {', '.join(f'{k:,}' for k in kills)} erased: "
        f"finished {took:.1f} s after it started, {to_erase:,} erased, {kept:,} kept"
    )
