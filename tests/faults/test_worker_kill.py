"""A worker killed (SIGKILL) during a deletion: it is finished once, nothing erased twice.

Issue 11, acceptance 2. The erasure of each step runs under a PostgreSQL
advisory lock (rights.retention.steps.step_claimed), so the test knows a
step is being erased when it sees that lock held, and kills the worker then.
"""

from __future__ import annotations

import os
import signal
import time

from django.db import connection

from portal.records.models import UsageRecord
from rights import workflow
from rights.choices import Status
from rights.models import RequestNotification, RightsRequest
from rights.retention.models import ErasureLedgerEntry
from rights.retention.steps import _STEP_LOCK_NAMESPACE
from rights.services import request_submit

from .conftest import (
    customer_with_history,
    expected_notices,
    mailed_notices,
    pool_children,
    report,
    wait_for,
)

# Enough history that erasing it takes a while, so the kill lands in the middle.
RECORDS = 30_000


def erasing() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
            "AND granted AND pid <> pg_backend_pid()",
            [_STEP_LOCK_NAMESPACE],
        )
        return cursor.fetchone()[0] > 0


def start_deletion(officer) -> RightsRequest:
    customer = customer_with_history(RECORDS)
    request = request_submit(
        subject=customer, requester=customer, kind="deletion", categories=["usage"]
    )
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    # Entering "in progress" queues the erasure (through the outbox).
    workflow.transition(request, to=Status.IN_PROGRESS, actor=officer)
    return request


def finished(request_id: int):
    def check() -> bool:
        request = RightsRequest.objects.get(pk=request_id)
        return (
            request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)
            and not RequestNotification.objects.filter(emailed_at__isnull=True).exists()
        )

    return check


def assert_erased_once_and_told(request: RightsRequest, processes) -> None:
    assert not UsageRecord.objects.filter(user=request.subject_id).exists()
    erased = sum(ErasureLedgerEntry.objects.filter(request=request).values_list("count", flat=True))
    assert erased == RECORDS
    kinds = sorted(RequestNotification.objects.values_list("kind", flat=True))
    # One outcome notice, and each status change told once, however often the work ran.
    assert len([k for k in kinds if k in ("completed", "partially_completed")]) == 1, kinds
    changes = [
        n.context.get("status") for n in RequestNotification.objects.filter(kind="status_changed")
    ]
    assert len(changes) == len(set(changes)), changes
    assert mailed_notices(processes.mail_dir) == expected_notices()


def test_a_pool_process_killed_during_a_deletion_is_replaced_and_the_deletion_finished_once(
    fault_redis, processes, broker_publishing, officer
):
    worker = processes.start_worker(concurrency=1)
    request = start_deletion(officer)
    wait_for(erasing, timeout=120, interval=0.05, what="the erasure to start")
    children = pool_children(worker.pid)
    assert len(children) == 1
    started = time.monotonic()
    os.kill(children[0], signal.SIGKILL)
    assert UsageRecord.objects.filter(user=request.subject_id).exists()

    wait_for(finished(request.pk), timeout=300, what="the deletion to finish")
    took = time.monotonic() - started
    time.sleep(3)
    assert_erased_once_and_told(request, processes)
    assert "WorkerLostError" in processes.log("worker")
    report(f"Pool process killed mid-deletion: finished once, told {took:.1f} s after the kill")
