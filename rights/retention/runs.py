"""The bookkeeping every retention job shares: its :class:`RetentionRun` record,
heartbeat, lock, resumption and batch size.

Every job works in primary-key batches, each in its own short transaction,
and picks its rows by what is still to do, so after a crash the next run
simply finishes the work. Two runs at once never take the same batch: the
sweep claims each window of keys with an advisory lock and the purge locks
its rows with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; on SQLite the IMMEDIATE
transaction mode lets one writer in at a time); deletion steps are claimed
with an advisory lock too.

Each erasing batch reads the staff holds in its own transaction and its
statement re-checks them (:class:`~rights.retention.holds.selectors.BatchHolds`), so a
hold placed while a job runs wins from the next batch on. A run writes its
heartbeat and progress with each batch; the next run of a job takes over a
run whose worker died and finishes it from there (:func:`recorded_run`).

A dry run (:func:`dry_run_scope`) does the same work inside one transaction
and rolls it back: its counts are exactly what a real run would erase now,
also when one job's work overlaps another's, and nothing changes (files are
only counted, nothing is audited or written to the ledger file). It holds its
locks until it ends, so it is for previews, not for the nightly schedule.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from portal.kernel.audit import audit_log

from .dryrun import _dry_runs, dry_run_scope, in_dry_run
from .models import RetentionRun, heartbeat_timeout

logger = logging.getLogger(__name__)


def batch_size() -> int:
    """Primary keys per batch (the sweep's window), one transaction each.

    On PostgreSQL a window of 100,000 keys is one DELETE of well under a
    second: the row locks it takes block no reader (MVCC) and no customer
    writes to expired rows, while the cost of each commit (a WAL flush of a
    few milliseconds), the ledger entry and the run's progress (one UPDATE
    with the counts) is spread over enough rows that the sweep keeps close to
    one plain DELETE over the whole table (tests/bench). On SQLite smaller
    batches keep the write lock, which blocks every other writer, brief.
    """
    if settings.RIGHTS_RETENTION_BATCH_SIZE:
        return settings.RIGHTS_RETENTION_BATCH_SIZE
    return 100_000 if connection.vendor == "postgresql" else 1_000


def error_text(where: str, error: BaseException) -> str:
    # The exception's class only: a database error's message can quote row values.
    return f"{where}: {type(error).__name__}"


# -- runs -------------------------------------------------------------------------------


class Run:
    """The run being recorded: counts per rule and source, errors, progress, saved as it goes.

    Every save also writes the heartbeat, so each batch shows the run alive.
    """

    def __init__(self, record: RetentionRun):
        self.record = record
        self._counts_changed = False

    @property
    def dry_run(self) -> bool:
        return self.record.dry_run

    @property
    def cursor(self) -> dict:
        return self.record.cursor

    def add(self, rule: str, source: str, count: int, *, save: bool = True) -> None:
        """Count ``count`` rows for a rule and source; with ``save=False`` the counts
        are written by the next save of the run (the sweep's progress, in the same
        statement and transaction), not by an update of their own."""
        if count:
            per_source = self.record.counts.setdefault(rule, {})
            per_source[source] = per_source.get(source, 0) + count
            self._counts_changed = True
        if save:
            self._save()

    def error(self, message: str) -> None:
        self.record.errors.append(message)
        self._save("errors")

    def beat(self) -> None:
        """Show the run alive (after a batch that records nothing else)."""
        self._save()

    def progress(self, *, at=None, done: str | None = None) -> None:
        """Where the run has got to: ``at`` the position inside the current part,
        ``done`` a part (e.g. a rule, source and category) finished."""
        if done is not None:
            parts = self.record.cursor.setdefault("done", [])
            if done not in parts:
                parts.append(done)
            self.record.cursor.pop("at", None)
        if at is not None:
            self.record.cursor["at"] = at
        self._save("cursor")

    def _save(self, *fields: str) -> None:
        # An update, not save(): inside the batch's transaction, nothing else.
        if self._counts_changed:
            fields = (*dict.fromkeys((*fields, "counts")),)
            self._counts_changed = False
        self.record.heartbeat_at = timezone.now()
        RetentionRun.objects.filter(pk=self.record.pk).update(
            heartbeat_at=self.record.heartbeat_at,
            **{field: getattr(self.record, field) for field in fields},
        )


# Namespace of the PostgreSQL session advisory lock a run holds while its worker lives.
_RUN_LOCK_NAMESPACE = 0x52554E53  # "RUNS"


def _run_lock(pk: int, *, take: bool) -> bool:
    """Take (without waiting) or release the lock of run ``pk``; on SQLite always True.

    A run holds it for as long as it works. PostgreSQL releases a session's
    locks when its connection ends, so a run whose lock can be taken has lost
    its worker, however fresh its heartbeat.
    """
    if connection.vendor != "postgresql":
        return True
    function = "pg_try_advisory_lock" if take else "pg_advisory_unlock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [_RUN_LOCK_NAMESPACE, pk])
        return cursor.fetchone()[0]


def _worker_gone(run: RetentionRun, now) -> bool:
    """Whether the running ``run`` was interrupted; on PostgreSQL, when True, its
    lock is now this process's."""
    if connection.vendor == "postgresql":
        return _run_lock(run.pk, take=True)
    return run.is_interrupted(now)


def _claim_interrupted(job: str, *, current: RetentionRun | None = None):
    """The interrupted runs of ``job``, oldest first, each claimed by this process.

    Interrupted: on PostgreSQL the run's lock is free (its worker's connection
    is gone); on SQLite its heartbeat is older than the timeout. Of two runs
    looking at once only one claims each (the lock; on SQLite a
    compare-and-set on the heartbeat). The caller releases the lock.
    """
    now = timezone.now()
    running = RetentionRun.objects.filter(
        job=job, dry_run=False, status=RetentionRun.Status.RUNNING
    ).order_by("pk")
    if current is not None:
        # This session holds the current run's lock, and taking it again succeeds.
        running = running.exclude(pk=current.pk)
    for stale in running:
        if not _worker_gone(stale, now):
            continue
        claimed = RetentionRun.objects.filter(
            pk=stale.pk, status=RetentionRun.Status.RUNNING, heartbeat_at=stale.heartbeat_at
        ).update(heartbeat_at=now)
        if claimed:
            stale.heartbeat_at = now
            yield stale
        else:
            _run_lock(stale.pk, take=False)


def _close_interrupted(stale: RetentionRun, *, by: RetentionRun) -> None:
    """Close a claimed interrupted run whose work ``by`` does: runs pick their rows
    by what is still to do, so the later run erases what the interrupted one left."""
    RetentionRun.objects.filter(pk=stale.pk).update(
        status=RetentionRun.Status.FAILED,
        finished_at=timezone.now(),
        errors=[*stale.errors, f"interrupted: run {by.pk} did its work"],
    )
    _run_lock(stale.pk, take=False)


def _resume(job: str) -> RetentionRun | None:
    """Take over the oldest interrupted run of ``job``, if any; the others are closed."""
    taken = None
    for stale in _claim_interrupted(job):
        if taken is None:
            RetentionRun.objects.filter(pk=stale.pk).update(resumed=F("resumed") + 1)
            taken = RetentionRun.objects.get(pk=stale.pk)
        else:
            _close_interrupted(stale, by=taken)
    return taken


class heartbeat:
    """While a run is in progress, write its heartbeat every fifth of the timeout.

    Each batch writes it too; this thread covers a batch that takes long. On
    PostgreSQL only: SQLite lets one writer in at a time, so the thread would
    wait for the batch anyway. Its own database connection, closed at the end.
    """

    def __init__(self, record: RetentionRun):
        self.record = record
        self._counts_changed = False
        self.stop = threading.Event()
        self.thread = None

    def __enter__(self):
        if connection.vendor == "postgresql" and not self.record.dry_run:
            self.thread = threading.Thread(target=self._beat, name="retention-heartbeat")
            self.thread.daemon = True
            self.thread.start()
        return self

    def __exit__(self, *exc_info):
        if self.thread is not None:
            self.stop.set()
            self.thread.join()

    def _beat(self) -> None:
        interval = heartbeat_timeout().total_seconds() / 5
        try:
            while not self.stop.wait(interval):
                try:
                    RetentionRun.objects.filter(
                        pk=self.record.pk, status=RetentionRun.Status.RUNNING
                    ).update(heartbeat_at=timezone.now())
                except DatabaseError as error:  # the next beat tries again
                    logger.warning("retention heartbeat not written: %s", type(error).__name__)
        finally:
            connections.close_all()


@contextmanager
def recorded_run(job: str, *, dry_run: bool = False, trigger: str = "hand"):
    """Record a run of ``job``; an interrupted run of the job is resumed instead of a new one."""
    if dry_run and not in_dry_run():
        with dry_run_scope(), recorded_run(job, dry_run=True, trigger=trigger) as run:
            yield run
        return
    record = None if dry_run else _resume(job)
    if record is None:
        # The lock is taken before the new run is committed: a run starting at the
        # same moment never sees it without its lock and takes it for interrupted.
        with transaction.atomic():
            record = RetentionRun.objects.create(
                job=job, dry_run=dry_run, trigger=trigger, heartbeat_at=timezone.now()
            )
            if not dry_run:
                _run_lock(record.pk, take=True)
    if dry_run:
        _dry_runs.get().append(record)
    run = Run(record)
    try:
        with heartbeat(record):
            yield run
    except BaseException as error:
        run.error(error_text("run stopped", error))
        record.status = RetentionRun.Status.FAILED
        raise
    else:
        record.status = (
            RetentionRun.Status.FAILED if record.errors else RetentionRun.Status.FINISHED
        )
        if not dry_run:
            # Runs interrupted while this one worked (say its worker was killed and
            # the task redelivered before the lock was free): this one did their work.
            for stale in _claim_interrupted(job, current=record):
                _close_interrupted(stale, by=record)
    finally:
        record.finished_at = timezone.now()
        RetentionRun.objects.filter(pk=record.pk).update(
            status=record.status, finished_at=record.finished_at
        )
        if not dry_run:
            _run_lock(record.pk, take=False)
        if not in_dry_run():
            audit_log(
                action=f"retention.{job}",
                target=record,
                details={"counts": record.counts, "errors": len(record.errors)},
            )


def after_batch(run: Run, rule: str, source: str) -> None:
    """Called after each committed batch; tests stop a run here to simulate a crash."""
