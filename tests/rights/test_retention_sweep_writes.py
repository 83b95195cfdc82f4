"""The sweep's bookkeeping per window: one update of its run, with the counts and the progress.

A window used to write the run twice (its counts, then its position); on a
table of millions of rows that is one needless statement per window. The
counts now go with the progress, in the same statement and transaction, so a
crash still leaves counts and position in step.
"""

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from portal.records.models import UsageRecord
from rights.models import ErasureLedgerEntry, RetentionRun
from rights.retention import jobs

from .retention_support import TODAY, at, former_customers

pytestmark = pytest.mark.django_db


@override_settings(RIGHTS_RETENTION_BATCH_SIZE=4)
def test_each_window_updates_its_run_once_and_the_counts_add_up():
    with time_machine.travel(TODAY, tick=False):
        former_customers(customers=4, each=4)  # 16 expired rows
    keys = UsageRecord.objects.values_list("pk", flat=True)
    windows = len({pk // 4 for pk in keys})
    with time_machine.travel(at(2026, 7, 2), tick=False), CaptureQueriesContext(connection) as q:
        run = jobs.run_sweep(rules=["usage-log"])
    assert run.status == RetentionRun.Status.FINISHED
    assert run.counts == {"usage-log": {"portal.usagerecord": 16}}
    assert not UsageRecord.objects.exists()
    ledger = ErasureLedgerEntry.objects.filter(source="portal.usagerecord")
    assert sum(ledger.values_list("count", flat=True)) == 16
    table = RetentionRun._meta.db_table
    updates = [s["sql"] for s in q.captured_queries if s["sql"].startswith(f'UPDATE "{table}"')]
    # One per window, plus the part's end and the run's start and finish.
    assert len(updates) <= windows + 4, updates
