"""The scheduled retention jobs, each recorded as a :class:`RetentionRun`.

* :func:`run_deferred`: deletion steps whose hold has ended (and only those);
* :func:`run_sweep`: data past its rule's period, under no hold, erased by rule
  across all customers;
* :func:`run_purge`: files past their keep period (identity and evidence
  documents of closed requests, and what other features register, such as
  expired download files);
* :func:`reapply_erasures`: the erasure ledger applied again after a restore.

Every job works in primary-key batches, each in its own short transaction,
and picks its rows by what is still to do, so after a crash the next run
simply finishes the work. Two runs at once never take the same batch: the
sweep claims each window of keys with an advisory lock and the purge locks
its rows with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; on SQLite the IMMEDIATE
transaction mode lets one writer in at a time); deletion steps are claimed
with an advisory lock too.

Each erasing batch reads the staff holds in its own transaction and its
statement re-checks them (:class:`~rights.retention.holds.BatchHolds`), so a
hold placed while a job runs wins from the next batch on. A run writes its
heartbeat and progress with each batch; the next run of a job takes over a
run whose worker died and finishes it from there (:func:`recorded_run`).

The module is longer than most because the four jobs share that bookkeeping
(the run record, its heartbeat, lock and resumption), which reads best next
to the loops that use it.

A dry run (:func:`dry_run_scope`) does the same work inside one transaction
and rolls it back: its counts are exactly what a real run would erase now,
also when one job's work overlaps another's, and nothing changes (files are
only counted, nothing is audited or written to the ledger file). It holds its
locks until it ends, so it is for previews, not for the nightly schedule.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.kernel.audit import audit_log
from portal.kernel.registry import EVERY_SUBJECT, ModelSource, registry

from . import erasure
from . import holds as H
from .dryrun import _dry_runs, dry_run_scope, in_dry_run
from .models import (
    DeferredErasure,
    ErasureLedgerEntry,
    RetentionRule,
    RetentionRun,
    heartbeat_timeout,
)

logger = logging.getLogger(__name__)

Step = DeferredErasure


def batch_size() -> int:
    """Primary keys per batch (the sweep's window), one transaction each.

    On PostgreSQL a window of 50,000 keys is one DELETE of some 40 ms: the
    locks stay short, while the cost of each commit (a WAL flush of a few
    milliseconds) and of the ledger entry is spread over enough rows that the
    sweep keeps within 2x of one plain DELETE over the whole table
    (tests/bench). On SQLite smaller batches keep the write lock, which blocks
    every other writer, brief.
    """
    if settings.RIGHTS_RETENTION_BATCH_SIZE:
        return settings.RIGHTS_RETENTION_BATCH_SIZE
    return 50_000 if connection.vendor == "postgresql" else 1_000


def _error(where: str, error: BaseException) -> str:
    # The exception's class only: a database error's message can quote row values.
    return f"{where}: {type(error).__name__}"


# -- runs -------------------------------------------------------------------------------


class Run:
    """The run being recorded: counts per rule and source, errors, progress, saved as it goes.

    Every save also writes the heartbeat, so each batch shows the run alive.
    """

    def __init__(self, record: RetentionRun):
        self.record = record

    @property
    def dry_run(self) -> bool:
        return self.record.dry_run

    @property
    def cursor(self) -> dict:
        return self.record.cursor

    def add(self, rule: str, source: str, count: int) -> None:
        if not count:
            self._save()
            return
        per_source = self.record.counts.setdefault(rule, {})
        per_source[source] = per_source.get(source, 0) + count
        self._save("counts")

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
def recorded_run(job: str, *, dry_run: bool = False, trigger: str = "beat"):
    """Record a run of ``job``; an interrupted run of the job is resumed instead of a new one."""
    if dry_run and not in_dry_run():
        with dry_run_scope(), recorded_run(job, dry_run=True, trigger=trigger) as run:
            yield run
        return
    record = None if dry_run else _resume(job)
    if record is None:
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
        run.error(_error("run stopped", error))
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


# -- deferred erasures -------------------------------------------------------------------


def due_steps(today: dt.date):
    """Waiting steps that may run on ``today``: their day has come, or their
    open-ended hold has been released or has ended."""
    hold_over = (
        Q(legal_hold__isnull=True)
        | Q(legal_hold__released_at__isnull=False)
        | Q(legal_hold__ends_on__lt=today)
    )
    return Step.objects.filter(status=Step.Status.PENDING).filter(
        Q(not_before__lte=today) | (Q(not_before__isnull=True) & hold_over)
    )


def _step_key(step: Step) -> str:
    if step.rule_id:
        return step.rule.code
    if step.legal_hold_id:
        return "legal-hold"
    return step.reason


def run_deferred(
    *, today: dt.date | None = None, dry_run: bool = False, trigger: str = "beat"
) -> RetentionRun:
    today = today or timezone.localdate()
    with recorded_run(RetentionRun.Job.DEFERRED, dry_run=dry_run, trigger=trigger) as run:
        cursor = run.cursor.get("at", 0)  # an interrupted run resumed: after its last step
        while True:
            steps = list(
                due_steps(today)
                .filter(pk__gt=cursor)
                .select_related("subject", "rule")
                .order_by("pk")[: batch_size()]
            )
            if not steps:
                break
            for step in steps:
                try:
                    count = erasure.step_execute(step, today=today, run=run.record)
                except Exception as error:  # one step's failure must not stop the others
                    run.error(_error(f"step {step.pk} ({step.source})", error))
                    continue
                run.add(_step_key(step), step.source, count)
                run.progress(at=step.pk)
                after_batch(run, _step_key(step), step.source)
            cursor = steps[-1].pk
    return run.record


# -- the retention sweep -------------------------------------------------------------------


def _sweep_categories(source) -> list[str]:
    categories = [c.value for c in source.categories()]
    return categories[:1] if source.erasure == "delete" else categories


def sweep_condition(rule, source, category, *, holds, today) -> Q | None:
    expired = H.expired_q(rule, source, today)
    if expired is None:
        return None
    condition = expired & ~H.staff_held_q(holds, source, category)
    erased = H.already_erased_q(source, category)
    if erased is not None:
        condition &= ~erased
    return condition


# Namespace of the PostgreSQL advisory locks by which a sweep claims a window of keys.
_WINDOW_LOCK_NAMESPACE = 0x53575045  # "SWPE"


def _claim_window(source_key: str, window: int) -> bool:
    """Whether this sweep takes the window; call inside the window's transaction.

    On PostgreSQL a transaction-level advisory lock: a second sweep running at
    the same time finds the window taken and moves on to the next one, so no
    window is worked by two sweeps at once. SQLite lets one writer in at a time.
    """
    if connection.vendor != "postgresql":
        return True
    key = zlib.crc32(source_key.encode()) & 0x7FFFFFFF
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)",
            [_WINDOW_LOCK_NAMESPACE ^ key, window & 0x7FFFFFFF],
        )
        return cursor.fetchone()[0]


def _sweep_source(run: Run, rule, source, *, today, size: int) -> None:
    """Erase what is past the rule's period, window by window of ``size`` primary keys.

    Windows are fixed ranges of keys (``pk // size``), the same for every
    sweep, each erased by one statement in its own transaction: a crash loses
    at most the window in progress, and the next run, picking rows by what is
    still to do, finishes it. Gaps in the keys are skipped by an index lookup.
    Each window reads the staff holds inside its transaction and its statement
    re-checks them (:func:`_sweep_window`).
    """
    manager = source.model._default_manager
    keys = manager.order_by("pk").values_list("pk", flat=True)
    for category in _sweep_categories(source):
        if H.expired_q(rule, source, today) is None:
            run.error(f"{rule.code}/{source.key}: the rule cannot be evaluated for this source")
            return
        part = f"{rule.code}/{source.key}/{category}"
        if part in run.cursor.get("done", []):
            continue  # finished by the interrupted run this one resumes
        first, last = keys.first(), manager.order_by("-pk").values_list("pk", flat=True).first()
        at = run.cursor.get("at") or {}
        if at.get("part") == part:
            first = keys.filter(pk__gt=at["pk"]).first()
        if first is None:
            run.progress(done=part)
            continue
        window = first // size
        while window <= last // size:
            low, high = window * size, (window + 1) * size - 1
            for _attempt in range(H.BATCH_ATTEMPTS):
                if not _sweep_window(run, rule, source, category, today, low, high, part):
                    break
            after_batch(run, rule.code, source.key)
            following = keys.filter(pk__gt=high).first()
            if following is None:
                break
            window = following // size
        run.progress(done=part)


def _sweep_window(run: Run, rule, source, category, today, low: int, high: int, part) -> bool:
    """Erase one window in its own transaction; True when it must be redone.

    The holds are read inside the transaction, after the lock that placing a
    hold takes, and the erasing statement itself also checks that no hold in
    force is missing from them: a hold committed before the statement starts
    keeps its rows. If one is missing (placed between the read and the
    statement), the statement erases nothing and the window is done again.
    """
    with H.redo_on_hold_placed() as redo, transaction.atomic():
        if _claim_window(source.key, low // (high - low + 1)):
            seen = H.batch_holds(on=today)
            condition = sweep_condition(rule, source, category, holds=seen.holds, today=today)
            in_window = Q(pk__gte=low, pk__lte=high) & condition & seen.unchanged_q()
            with registry.restricted({source.key: in_window}):
                count = source.erase(EVERY_SUBJECT, category, actor=None)
            if count:
                erasure.ledger_record(
                    source=source.key,
                    category=category,
                    reason=ErasureLedgerEntry.Reason.SWEEP,
                    count=count,
                    first_pk=low,
                    max_pk=high,
                    rule=rule.code,
                    as_of=today,
                    run=run.record,
                )
            seen.check()
            run.add(rule.code, source.key, count)
            run.progress(at={"part": part, "pk": high})
    return redo.needed


def run_sweep(
    *,
    today: dt.date | None = None,
    dry_run: bool = False,
    trigger: str = "beat",
    rules: list[str] | None = None,
) -> RetentionRun:
    """Erase, rule by rule, what is past its period and under no staff hold."""
    today = today or timezone.localdate()
    size = batch_size()
    with recorded_run(RetentionRun.Job.SWEEP, dry_run=dry_run, trigger=trigger) as run:
        chosen = RetentionRule.objects.filter(erase_when_expired=True).order_by("code")
        if rules is not None:
            chosen = chosen.filter(code__in=rules)
        for rule in chosen:
            for source in registry.sources():
                if source.retention != rule.code:
                    continue
                if erasure.is_account_source(source) and not _closed_accounts_only(rule):
                    # The rows are the accounts: only a rule counted from closure may
                    # anonymise them, never one that would reach a live account.
                    continue
                try:
                    _sweep_source(run, rule, source, today=today, size=size)
                except Exception as error:  # other rules and sources still run
                    run.error(_error(f"{rule.code}/{source.key}", error))
    return run.record


def _closed_accounts_only(rule) -> bool:
    """A rule counted from account closure may anonymise the account row too."""
    from .models import RetentionTrigger

    return rule.trigger == RetentionTrigger.ACCOUNT_CLOSURE


# -- the purge of files ------------------------------------------------------------------------


@dataclass(frozen=True)
class Purger:
    """Something with a keep period outside the registry's records, e.g. files.

    ``purge(today, dry_run, run)`` returns how many items it removed (or
    would); it works in batches and is safe to run twice.
    """

    key: str
    source: str
    purge: Callable[..., int]


_purgers: dict[str, Purger] = {}


def register_purger(purger: Purger) -> Purger:
    _purgers[purger.key] = purger
    return purger


def purgers() -> list[Purger]:
    return list(_purgers.values())


def held_request_files_q(today: dt.date, *categories: str) -> Q:
    """Rows (with a ``request``) whose files a staff hold keeps: holds on the
    customer, or on a service of the request, for all data or one of ``categories``."""
    held = Q(pk__in=[])
    for hold in H.active_holds(on=today):
        if hold.categories and not set(categories) & set(hold.categories):
            continue
        if hold.records:
            continue  # named records are registry records, not files
        if hold.subject_id is not None:
            held |= Q(request__subject_id=hold.subject_id)
        else:
            held |= Q(request__services=hold.service_id)
    return held


def purge_request_documents(*, today: dt.date, dry_run: bool, run: Run) -> int:
    """Remove the files attached to requests closed more than
    ``RIGHTS_DOCUMENT_KEEP_DAYS`` ago: identity documents, an agent's proof of
    authority, evidence. The message stays; the file, its name and type go.
    Files of a customer under a staff hold on their requests stay.
    """
    from portal.kernel.registry import Category
    from rights.models import RequestMessage

    cutoff = timezone.make_aware(
        dt.datetime.combine(
            today - dt.timedelta(days=settings.RIGHTS_DOCUMENT_KEEP_DAYS), dt.time.min
        )
    )
    old = RequestMessage.objects.exclude(attachment="").filter(request__closed_at__lt=cutoff)
    if dry_run:
        return old.exclude(held_request_files_q(today, Category.REQUESTS)).count()
    total = 0
    cursor = 0
    size = min(batch_size(), 500)
    while True:
        with transaction.atomic():
            # The holds of each batch are read in its transaction, after the hold lock.
            H.lock_holds(exclusive=False)
            rows = old.exclude(held_request_files_q(today, Category.REQUESTS))
            batch = list(
                rows.filter(pk__gt=cursor)
                .order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))[:size]
            )
            if not batch:
                return total
            for message in batch:
                message.attachment.delete(save=False)
                message.attachment_name = ""
                message.attachment_type = ""
                message.save(update_fields=["attachment", "attachment_name", "attachment_type"])
            erasure.ledger_record(
                source="rights.requestmessage",
                category=Category.REQUESTS,
                reason=ErasureLedgerEntry.Reason.PURGE,
                count=len(batch),
                record_ids=[m.pk for m in batch],
                rule="request-documents",
                as_of=today,
                run=run.record,
            )
        total += len(batch)
        cursor = batch[-1].pk
        run.beat()


register_purger(Purger("request-documents", "rights.requestmessage", purge_request_documents))


def run_purge(
    *, today: dt.date | None = None, dry_run: bool = False, trigger: str = "beat"
) -> RetentionRun:
    today = today or timezone.localdate()
    with recorded_run(RetentionRun.Job.PURGE, dry_run=dry_run, trigger=trigger) as run:
        for purger in purgers():
            if purger.key in run.cursor.get("done", []):
                continue  # finished by the interrupted run this one resumes
            try:
                count = purger.purge(today=today, dry_run=dry_run, run=run)
            except Exception as error:
                run.error(_error(purger.key, error))
                continue
            run.add(purger.key, purger.source, count)
            run.progress(done=purger.key)
    return run.record


JOBS = {
    RetentionRun.Job.DEFERRED: run_deferred,
    RetentionRun.Job.SWEEP: run_sweep,
    RetentionRun.Job.PURGE: run_purge,
}


# -- applying the ledger again after a restore ---------------------------------------------------


@dataclass
class LedgerImport:
    added: int = 0
    #: Entries written by a transaction that this database server knows rolled back.
    rolled_back: int = 0


def import_ledger_file(path) -> LedgerImport:
    """Add the entries of a ledger file the table lacks (after a restore).

    An entry is written to the file before its transaction commits, so the
    file may hold one whose transaction then rolled back. When the restored
    database runs on the server that wrote it, PostgreSQL still knows that
    transaction's outcome and such an entry is left out. Any other entry is
    added: its decision (an approved deletion, a rule's period, a closure)
    was committed before the erasure began, so erasing by it again erases
    only what was due to be erased anyway.
    """
    result = LedgerImport()
    with open(path, encoding="utf-8") as ledger_file:
        for line in ledger_file:
            if not line.strip():
                continue
            data = json.loads(line)
            if ErasureLedgerEntry.objects.filter(uid=data["uid"]).exists():
                continue
            if erasure.transaction_rolled_back(data.get("transaction")):
                result.rolled_back += 1
                continue
            ErasureLedgerEntry.objects.create(
                uid=data["uid"],
                subject_id=data.get("subject_id"),
                source=data["source"],
                category=data["category"],
                reason=data["reason"],
                rule=data.get("rule") or "",
                as_of=dt.date.fromisoformat(data["as_of"]) if data.get("as_of") else None,
                record_ids=data.get("record_ids") or [],
                services=data.get("services") or [],
                first_pk=data.get("first_pk"),
                max_pk=data.get("max_pk"),
                count=data["count"],
                request_id=data.get("request_id"),
                erased_at=dt.datetime.fromisoformat(data["erased_at"]),
            )
            result.added += 1
    return result


def _reclose_account(entry: ErasureLedgerEntry) -> int:
    """Close again an account the restore re-opened; 1 when something had to change."""
    from django.contrib.auth import get_user_model

    from rights.models import RightsRequest

    from .models import AccountClosure

    user = get_user_model().objects.select_for_update().filter(pk=entry.subject_id).first()
    if user is None:
        return 0
    request = RightsRequest.objects.filter(pk=entry.request_id).first()
    closure, created = AccountClosure.objects.get_or_create(
        user=user, defaults={"request": request, "closed_at": entry.erased_at}
    )
    changed, devices, sessions = erasure.account_lock_out(user)
    if not (created or changed or devices or sessions):
        return 0
    audit_log(
        action="account.closed",
        actor=None,
        subject=user,
        target=closure,
        details={
            "request": entry.request_id,
            "sessions": sessions,
            "devices": devices,
            "ledger": str(entry.uid),
        },
    )
    return 1


def _reapply_entry(entry: ErasureLedgerEntry, *, today) -> int:
    """Apply one ledger entry again, in one transaction that reads the holds in
    force and whose statements re-check them (as a sweep window does)."""
    for _attempt in range(H.BATCH_ATTEMPTS):
        with H.redo_on_hold_placed() as redo, transaction.atomic():
            seen = H.batch_holds(on=today)
            count = _reapply_entry_with(entry, today=today, holds=seen.holds, guard=seen)
            seen.check()
        if not redo.needed:
            return count
    return 0


def _reapply_entry_with(entry: ErasureLedgerEntry, *, today, holds, guard) -> int:
    from django.contrib.auth import get_user_model

    if entry.reason == ErasureLedgerEntry.Reason.CLOSURE:
        with transaction.atomic():
            return _reclose_account(entry)
    source = registry.source(entry.source)
    if not isinstance(source, ModelSource):
        return 0
    rule = RetentionRule.objects.filter(code=source.retention).first()
    if entry.subject_id is None:
        # A sweep batch: the rows of its id range that were past the period on its day.
        if entry.reason == ErasureLedgerEntry.Reason.PURGE or rule is None:
            return 0
        expired = H.expired_q(rule, source, entry.as_of or today)
        if expired is None:
            return 0
        condition = (
            expired
            & Q(pk__gte=entry.first_pk, pk__lte=entry.max_pk)
            & ~H.staff_held_q(holds, source, entry.category)
        )
        subject = EVERY_SUBJECT
    else:
        subject = get_user_model().objects.filter(pk=entry.subject_id).first()
        if subject is None:
            return 0
        condition = Q(pk__in=entry.record_ids) if entry.record_ids else Q()
        if entry.max_pk is not None:
            condition &= Q(pk__lte=entry.max_pk)
        condition &= erasure.services_q(source, entry.services)
        subject_holds = [h for h in holds if h.subject_id in (None, subject.pk)]
        condition &= ~H.held_q(source, entry.category, rule=rule, holds=subject_holds, today=today)
    erased = H.already_erased_q(source, entry.category)
    if erased is not None:
        condition &= ~erased
    with registry.restricted({source.key: condition & guard.unchanged_q()}):
        return source.erase(subject, entry.category, actor=None)


def reapply_erasures(
    *, today: dt.date | None = None, dry_run: bool = False, trigger: str = "command"
) -> RetentionRun:
    """Erase again whatever the ledger says was erased and a restore brought back.

    Idempotent: what is gone stays gone, anonymised rows are skipped, and data
    under a hold today is left alone.
    """
    today = today or timezone.localdate()
    with recorded_run(RetentionRun.Job.REAPPLY, dry_run=dry_run, trigger=trigger) as run:
        entries = ErasureLedgerEntry.objects.exclude(reason=ErasureLedgerEntry.Reason.PURGE)
        # An interrupted run resumed: after the last entry it applied.
        entries = entries.filter(pk__gt=run.cursor.get("at", 0))
        for entry in entries.order_by("pk").iterator(chunk_size=500):
            try:
                count = _reapply_entry(entry, today=today)
            except Exception as error:
                run.error(_error(f"ledger {entry.uid} ({entry.source})", error))
                continue
            run.add(entry.rule or entry.reason, entry.source, count)
            run.progress(at=entry.pk)
    return run.record
