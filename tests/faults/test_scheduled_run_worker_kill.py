"""A beat job's worker killed (SIGKILL) mid-run: its run reads "not finished", not "failed".

A job that raises records the failure on its run (portal.kernel.jobs); a
worker killed mid-job records nothing, since nothing in it runs any more. The
run must then read as what it is, not finished, until the message comes back
(late acknowledgement) and finishes the same run.
"""

from __future__ import annotations

import os
import signal

from celery.schedules import crontab
from django.utils import timezone
from django.utils.translation import override

from portal.kernel import jobs
from portal.kernel.celery import app as celery_app
from portal.kernel.jobs_admin import ScheduledRunAdmin
from portal.kernel.models import ScheduledRun
from portal.records.models import UsageRecord
from rights.tasks import retention_sweep

from .conftest import pool_children, report, wait_for
from .sweep_support import former_and_current_customers

CUSTOMERS, EACH = 40, 1_000
JOB = "rights-retention-sweep"


def _state(run: ScheduledRun) -> str:
    with override("en"):
        return str(ScheduledRunAdmin.state(None, run))


def test_a_sweep_whose_worker_is_killed_reads_not_finished_then_finishes_its_run(
    fault_redis, processes, broker_publishing, tmp_path
):
    former_and_current_customers(CUSTOMERS, EACH)
    worker = processes.start_worker(
        concurrency=1,
        RIGHTS_RETENTION_BATCH_SIZE="1000",
        RIGHTS_ERASURE_LEDGER_FILE=str(tmp_path / "erasure-ledger.jsonl"),
    )
    nightly = crontab(hour=3, minute=0, app=celery_app)
    retention_sweep.apply_async(headers=jobs.beat_headers(JOB, nightly, timezone.now()))

    wait_for(
        lambda: UsageRecord.objects.count() <= CUSTOMERS * EACH - 3_000,
        timeout=120,
        interval=0.02,
        what="the sweep to be under way",
    )
    (child,) = pool_children(worker.pid)
    os.kill(child, signal.SIGKILL)
    run = ScheduledRun.objects.get(job=JOB)
    assert UsageRecord.objects.exists(), "the sweep finished before the kill"
    assert (run.finished_at, run.failed_at, run.failures, run.error) == (None, None, 0, "")
    assert "Not finished" in _state(run) and "Failed" not in _state(run)

    # The message comes back to the new pool process and finishes the same run.
    wait_for(
        lambda: ScheduledRun.objects.filter(job=JOB, finished_at__isnull=False).exists(),
        timeout=150,
        what="the run to finish",
    )
    run = ScheduledRun.objects.get(job=JOB)
    assert not UsageRecord.objects.exists()
    assert (run.failures, run.error) == (0, "")
    assert run.result["usage-log"]["portal.usagerecord"] == CUSTOMERS * EACH
    assert _state(run) == "Finished"
    assert "WorkerLostError" in processes.log("worker")
    report("Sweep's pool process killed: its run read 'Not finished', then finished once")
