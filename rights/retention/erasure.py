"""Erasing for a deletion request, step by step, and the erasure ledger.

A deletion request in progress is planned once as :class:`DeferredErasure`
steps, one per source and category (and per hold): what no hold keeps is due
today, data under a rule with a legal obligation is due the day after its
period ends, data under a staff hold the day after the hold ends or once it
is released. :func:`deletion_execute` runs the steps due today, closes the
account when asked, and finishes the request with a statement that lists
what is kept, under which law, until when. The beat job runs the other steps
on their day (:mod:`rights.retention.jobs`).

Every step re-checks the holds when it runs and erases only rows that are
still there and not yet anonymised, so running a step again (after a crash, or
twice at once) erases nothing twice and fails on nothing already gone.
Audit events and the ledger hold source keys, categories, ids and counts,
never the erased values.

The ledger: a restore never resurrects an account or a record
----------------------------------------------------------------
Every erasure and every account closure is an :class:`ErasureLedgerEntry`
row, written in the transaction that erases, and a line of
``RIGHTS_ERASURE_LEDGER_FILE``, a file kept apart from the database backups.
The line is written, flushed and ``fsync``-ed (``O_APPEND``, under ``flock``)
inside that transaction, once the rows are erased and before the commit; if
it cannot be written the transaction rolls back. So every committed erasure
has its line on disk, also when the worker is killed right after the commit.

The price is that a line may exist for a transaction that then rolled back.
The line carries the PostgreSQL transaction id (with the cluster's system
identifier); ``import_ledger_file`` leaves out a line whose transaction the
server knows rolled back. Where the server cannot tell (a restore into a new
cluster), the line is applied, and that is harmless: an entry is only written
after its decision was committed in an earlier transaction (the deletion
request approved and in progress, a retention rule's period ended, the
closure asked for by that deletion), the erasure would have been retried to
the same end, and the replay re-checks today's holds and erases only rows
still there and not yet anonymised. A closure entry closes the account again
(inactive, unusable password, no one-time-password devices, no sessions).

The nightly ``rights.tasks.erasure_ledger_fill`` appends any committed entry
the file lacks (entries from before lines were written ahead of the commit,
or made while the file was turned off). After a restore, the documented
replay is ``manage.py reapply_erasures --ledger <file>`` (docs/operations.md, *Restore and replay*).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext

from portal.kernel.audit import audit_log
from portal.kernel.db import localized
from portal.kernel.registry import Category, ModelSource, Source, registry

from . import holds as H
from .dryrun import in_dry_run
from .models import (
    AccountClosure,
    DeferredErasure,
    ErasureLedgerEntry,
    LegalHold,
    RetentionRule,
)

logger = logging.getLogger(__name__)

Step = DeferredErasure
# PostgreSQL advisory-lock namespace of deletion steps: one runner per step at a time.
_STEP_LOCK_NAMESPACE = 0x52455445  # "RETE"


# -- sources ---------------------------------------------------------------------------


def is_account_source(source: Source) -> bool:
    """The source that is the login account itself (the user model)."""
    return (
        isinstance(source, ModelSource)
        and source.model is get_user_model()
        and not source.subject_path
    )


def services_q(source: Source, services: list[str]) -> Q:
    """The rows of ``source`` within the named services (all when none are named).

    Data about the customer as a whole belongs to no service, so a request
    limited to services leaves it alone.
    """
    if not services:
        return Q()
    if not isinstance(source, ModelSource):
        return H.NOTHING
    if source.service_path:
        return Q(**{f"{source.service_path}__code__in": services})
    if source.service_code:
        return Q() if source.service_code in services else H.NOTHING
    return H.NOTHING


def _step_scope(step: Step, source: Source) -> Q:
    scope = Q(pk__in=step.record_ids) if step.record_ids else Q()
    if step.max_pk is not None:
        scope &= Q(pk__lte=step.max_pk)
    return scope & services_q(source, step.services)


def _erase_categories(source: Source, categories) -> list[str]:
    """Deleting a row erases all its categories at once: one step is enough."""
    chosen = [c.value for c in source.categories() if c.value in categories]
    return chosen[:1] if source.erasure == "delete" else chosen


def _rules() -> dict[str, RetentionRule]:
    return {rule.code: rule for rule in RetentionRule.objects.all()}


# -- the ledger ------------------------------------------------------------------------


def ledger_record(
    *,
    source: str,
    category: str,
    reason: str,
    count: int,
    subject_id=None,
    record_ids=(),
    services=(),
    max_pk=None,
    first_pk=None,
    rule: str = "",
    as_of: dt.date | None = None,
    request_id=None,
    run=None,
) -> ErasureLedgerEntry:
    """Add an entry to the erasure ledger; call inside the erasing transaction,
    once the rows are erased and before it commits.

    The entry is written to ``RIGHTS_ERASURE_LEDGER_FILE`` and synced to disk
    right here, before the commit (see :mod:`rights.retention`): a worker
    killed right after the commit has already written it. When the file cannot
    be written the error propagates and the erasure rolls back, so nothing is
    erased that the file lacks. A dry run writes nothing to the file.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_record must be called inside the erasing transaction")
    entry = ErasureLedgerEntry.objects.create(
        subject_id=subject_id,
        source=source,
        category=category,
        reason=reason,
        count=count,
        record_ids=list(record_ids),
        services=list(services),
        max_pk=max_pk,
        first_pk=first_pk,
        rule=rule,
        as_of=as_of,
        request_id=request_id,
        run=run,
    )
    if not in_dry_run():
        ledger_file_append([ledger_line(entry, transaction_id=current_transaction_id())])
    return entry


LEDGER_FIELDS = (
    "uid",
    "subject_id",
    "source",
    "category",
    "reason",
    "rule",
    "as_of",
    "record_ids",
    "services",
    "first_pk",
    "max_pk",
    "count",
    "request_id",
    "erased_at",
)


def ledger_line(entry: ErasureLedgerEntry, *, transaction_id: str | None = None) -> str:
    """The entry as one line of the file; ``transaction_id`` says which transaction wrote it."""
    data = {name: getattr(entry, name) for name in LEDGER_FIELDS}
    data["uid"] = str(entry.uid)
    data["as_of"] = entry.as_of.isoformat() if entry.as_of else None
    data["erased_at"] = entry.erased_at.isoformat()
    if transaction_id:
        data["transaction"] = transaction_id
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def current_transaction_id() -> str | None:
    """``<cluster>:<transaction>`` of the open PostgreSQL transaction (None elsewhere).

    The cluster's system identifier makes the id mean something only to the
    server that wrote it: a restore into another cluster treats it as unknown.
    """
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT system_identifier FROM pg_control_system())::text, "
            "pg_current_xact_id()::text"
        )
        cluster, xid = cursor.fetchone()
    return f"{cluster}:{xid}"


def transaction_rolled_back(transaction_id: str | None) -> bool:
    """Whether this database server knows that the transaction ended without commit.

    False when it cannot tell (another cluster, SQLite, a transaction too old
    for the server to remember): the caller then treats the entry as made.
    """
    if not transaction_id or connection.vendor != "postgresql":
        return False
    cluster, _, xid = transaction_id.partition(":")
    with connection.cursor() as cursor:
        cursor.execute("SELECT system_identifier::text FROM pg_control_system()")
        if cursor.fetchone()[0] != cluster:
            return False
        # The snapshot's xmax: the first transaction id not yet started (reading it
        # assigns no id of our own).
        cursor.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
        if int(xid) >= cursor.fetchone()[0]:
            return False  # not a transaction this server has started
        cursor.execute("SELECT pg_xact_status(%s::xid8)", [xid])
        return cursor.fetchone()[0] == "aborted"


def ledger_file_append(lines: list[str]) -> None:
    """Append whole lines to the ledger file and sync them to disk before returning.

    Opened with ``O_APPEND`` and written under an exclusive ``flock``, so lines
    of concurrent writers never interleave; ``fsync`` makes them survive a
    crash of the machine, not only of the process. Raises ``OSError``.
    """
    path = settings.RIGHTS_ERASURE_LEDGER_FILE
    if not path or not lines:
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    created = not target.exists()
    data = "".join(line + "\n" for line in lines).encode()
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        # The new file's name must survive a crash too.
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def ledger_file_uids(path) -> set[str]:
    """The ids of the entries a ledger file holds."""
    uids = set()
    with open(path, encoding="utf-8") as ledger_file:
        # A shared lock: no writer is half-way through a line while we read.
        fcntl.flock(ledger_file.fileno(), fcntl.LOCK_SH)
        for line in ledger_file:
            if line.strip():
                uids.add(json.loads(line)["uid"])
    return uids


def ledger_file_fill(*, since: dt.datetime | None = None) -> int:
    """Append to the ledger file the committed entries it lacks; return how many.

    Entries are written to the file before their transaction commits, so this
    finds only what an older release appended after commit and lost, or what
    was made while the file was turned off. Run by the nightly beat job
    (``rights.tasks.erasure_ledger_fill``).
    """
    path = settings.RIGHTS_ERASURE_LEDGER_FILE
    if not path:
        return 0
    present = ledger_file_uids(path) if Path(path).exists() else set()
    entries = ErasureLedgerEntry.objects.order_by("pk")
    if since is not None:
        entries = entries.filter(erased_at__gte=since)
    missing = [
        ledger_line(entry)
        for entry in entries.iterator(chunk_size=1000)
        if str(entry.uid) not in present
    ]
    ledger_file_append(missing)
    return len(missing)


# -- running one step --------------------------------------------------------------------


@contextmanager
def step_claimed(step_id: int) -> Iterator[bool]:
    """Whether this process may run the step now (one runner per step at a time).

    On PostgreSQL a session advisory lock, released at the end of the block
    (or when a killed worker's connection closes); SQLite serialises writers
    anyway.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_STEP_LOCK_NAMESPACE, step_id])
        claimed = cursor.fetchone()[0]
    try:
        yield claimed
    finally:
        if claimed:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_STEP_LOCK_NAMESPACE, step_id])


def _held_until(step: Step, source: Source, rule, holds, today) -> tuple[dt.date | None, object]:
    """(first day something still held may go, the binding open hold) for what remains."""
    scope = _step_scope(step, source)
    remaining = source.queryset(step.subject).filter(scope)
    erased = H.already_erased_q(source, step.category)
    if erased is not None:
        remaining = remaining.exclude(erased)
    days: list[dt.date] = []
    open_hold = None
    for hold in holds:
        if not remaining.filter(H.hold_q(hold, source, step.category)).exists():
            continue
        if hold.ends_on is None:
            open_hold = open_hold or hold
        else:
            days.append(hold.ends_on + dt.timedelta(days=1))
    if rule is not None and rule.obligation:
        field = H.record_date_field(source)
        rows = list(
            remaining.filter(H.rule_held_q(rule, source, today)).values(
                "pk", *([field] if field else [])
            )
        )
        for until in H.rule_keep_until(rule, source, step.subject, rows):
            if until is not None:
                days.append(until + dt.timedelta(days=1))
    if open_hold is not None:
        return None, open_hold
    return (min(days) if days else None), None


def step_execute(
    step: Step, *, today: dt.date | None = None, run=None, attempts: int = H.BATCH_ATTEMPTS
) -> int:
    """Erase what the step may erase now; return how many records were erased.

    Records still under a hold stay and the step waits for the next day one
    of them may go (or for an open-ended hold's release). Returns 0 without
    erasing when another runner has the step. The holds are read inside the
    erasing transaction and re-checked by its statements
    (:class:`~rights.retention.holds.BatchHolds`): a hold placed before they
    run wins; one placed while they run undoes the step, which is run again.
    """
    today = today or timezone.localdate()
    with step_claimed(step.pk) as claimed:
        if not claimed:
            return 0
        step = Step.objects.select_related("subject").get(pk=step.pk)
        if step.status != Step.Status.PENDING:
            return 0
        source = registry.source(step.source)
        rule = _rules().get(source.retention)
        scope = _step_scope(step, source)
        erased_q = H.already_erased_q(source, step.category)
        # The erasure, the step's progress and its ledger entry commit together:
        # a worker lost half-way leaves nothing erased that the ledger lacks.
        with H.redo_on_hold_placed() as redo, transaction.atomic():
            seen = H.batch_holds(subject=step.subject, on=today)
            holds = seen.holds
            free = scope & ~H.held_q(source, step.category, rule=rule, holds=holds, today=today)
            free &= seen.unchanged_q()
            if erased_q is not None:
                free &= ~erased_q
            with registry.restricted({source.key: free}):
                count = source.erase(step.subject, step.category, actor=None)
            not_before, open_hold = _held_until(step, source, rule, holds, today)
            still_held = open_hold is not None or not_before is not None
            locked = Step.objects.select_for_update().get(pk=step.pk)
            locked.erased += count
            if still_held:
                locked.not_before = not_before
                locked.legal_hold = open_hold or locked.legal_hold
                if locked.reason == Step.Reason.REQUEST:
                    locked.reason = Step.Reason.HOLD if open_hold else Step.Reason.RETENTION
                    locked.rule = None if open_hold else rule
            else:
                locked.status = Step.Status.DONE
                locked.done_at = timezone.now()
            locked.save()
            if count:
                ledger_record(
                    subject_id=step.subject_id,
                    source=step.source,
                    category=step.category,
                    reason=(
                        ErasureLedgerEntry.Reason.DELETION
                        if step.reason == Step.Reason.REQUEST
                        else ErasureLedgerEntry.Reason.DEFERRED
                    ),
                    count=count,
                    record_ids=step.record_ids,
                    services=step.services,
                    max_pk=step.max_pk,
                    request_id=step.request_id,
                    run=run,
                )
            if count and not in_dry_run():
                audit_log(
                    action="retention.erased",
                    subject=step.subject,
                    target=step,
                    details={
                        "source": step.source,
                        "category": step.category,
                        "count": count,
                        "request": step.request_id,
                        "deferred": step.reason != Step.Reason.REQUEST,
                    },
                )
            seen.check()
        if redo.needed:
            if attempts <= 1:
                return 0  # still pending: the next run takes it
            return step_execute(step, today=today, run=run, attempts=attempts - 1)
    return count


# -- planning a deletion ------------------------------------------------------------------


def _plan_source(
    request, source: Source, category: str, *, services, rule, holds, today, closing
) -> list[Step]:
    subject = request.subject
    common = {"request": request, "subject": subject, "source": source.key, "category": category}
    if not isinstance(source, ModelSource):
        # An external source is kept or erased as a whole.
        kept_by = next((h for h in holds if h.subject_id in (None, subject.pk)), None) or (
            rule if rule is not None and rule.obligation else None
        )
        if isinstance(kept_by, LegalHold):
            return [Step(**common, reason=Step.Reason.HOLD, legal_hold=kept_by)]
        if kept_by is not None:
            return [Step(**common, reason=Step.Reason.RETENTION, rule=rule)]
        return [Step(**common, reason=Step.Reason.REQUEST, not_before=today)]

    remaining = source.queryset(subject).filter(services_q(source, services))
    erased = H.already_erased_q(source, category)
    if erased is not None:
        remaining = remaining.exclude(erased)
    steps = []
    # Open-ended holds first, then the longest: a record goes with the hold that ends last.
    ordered = sorted(
        holds, key=lambda h: (h.ends_on is not None, -(h.ends_on or today).toordinal())
    )
    for hold in ordered:
        condition = H.hold_q(hold, source, category)
        ids = list(remaining.filter(condition).order_by("pk").values_list("pk", flat=True))
        if ids:
            steps.append(
                Step(
                    **common,
                    reason=Step.Reason.HOLD,
                    legal_hold=hold,
                    record_ids=ids,
                    not_before=hold.ends_on + dt.timedelta(days=1) if hold.ends_on else None,
                )
            )
            remaining = remaining.exclude(condition)
    if rule is not None and rule.obligation:
        condition = H.rule_held_q(rule, source, today)
        field = H.record_date_field(source)
        rows = list(
            remaining.filter(condition).order_by("pk").values("pk", *([field] if field else []))
        )
        groups = H.rule_keep_until(rule, source, subject, rows, closing=closing)
        for until, ids in sorted(groups.items(), key=lambda item: item[0] or dt.date.max):
            steps.append(
                Step(
                    **common,
                    reason=Step.Reason.RETENTION,
                    rule=rule,
                    record_ids=ids,
                    not_before=until + dt.timedelta(days=1) if until else None,
                )
            )
        remaining = remaining.exclude(condition)
    max_pk = remaining.aggregate(max_pk=Max("pk"))["max_pk"]
    if max_pk is not None:
        steps.append(
            Step(
                **common,
                reason=Step.Reason.REQUEST,
                max_pk=max_pk,
                services=list(services),
                not_before=today,
            )
        )
    return steps


class EmptyDeletionScope(ValueError):
    """A deletion request that names neither everything nor a service nor a kind of data."""


def requested_scope(request) -> tuple[list[str], list[str], bool]:
    """(categories, service codes, close the account) of a deletion request.

    No services means every service (see :func:`services_q`) and no categories
    every kind, so a request must name at least one of them, or everything:
    one that names nothing raises :class:`EmptyDeletionScope` rather than
    being read as "everything but the account".
    """
    closing = bool((request.scope or {}).get("everything"))
    categories = [c for c in request.categories if c in Category.values] if not closing else []
    services = [] if closing else sorted(request.services.values_list("code", flat=True))
    if not (closing or categories or services):
        raise EmptyDeletionScope(
            f"deletion request {request.pk} names no service, no kind of data and not everything"
        )
    return categories or list(Category.values), services, closing


def deletion_plan(request, *, today: dt.date | None = None) -> list[Step]:
    """Plan a deletion request as steps, once; return its steps.

    Must run with the request locked. The login account itself is erased only
    when the account is closed, and then right after the final notice to its
    address has been sent (reason "notice").
    """
    if request.erasure_planned_at is None:
        # What the workflow checks before the deletion may be completed.
        request.erasure_planned_at = timezone.now()
        request.save(update_fields=["erasure_planned_at"])
    existing = list(request.deferred_erasures.order_by("pk"))
    if existing:
        return existing
    today = today or timezone.localdate()
    categories, services, closing = requested_scope(request)
    rules = _rules()
    holds = H.active_holds(subject=request.subject, on=today)
    steps: list[Step] = []
    for source in registry.sources():
        chosen = _erase_categories(source, categories)
        if not chosen:
            continue
        if is_account_source(source):
            if closing:
                grace = today + dt.timedelta(days=settings.RIGHTS_NOTICE_ERASE_GRACE_DAYS)
                steps += [
                    Step(
                        request=request,
                        subject=request.subject,
                        source=source.key,
                        category=category,
                        reason=Step.Reason.NOTICE,
                        not_before=grace,
                    )
                    for category in chosen
                ]
            continue
        for category in chosen:
            steps += _plan_source(
                request,
                source,
                category,
                services=services,
                rule=rules.get(source.retention),
                holds=holds,
                today=today,
                closing=closing,
            )
    Step.objects.bulk_create(steps)
    return list(request.deferred_erasures.order_by("pk"))


# -- closing the account ---------------------------------------------------------------------


def account_close(*, user, request=None, actor=None) -> AccountClosure:
    """Close an account: logins refused, sessions ended, one-time-password devices removed.

    The closure is an erasure ledger entry too (reason "closure"), so that
    ``reapply_erasures`` closes the account again after a restore from a
    backup taken while it was open. Repeating it changes nothing. The audit
    event holds counts only.
    """
    with transaction.atomic():
        User = get_user_model()
        locked = User.objects.select_for_update().get(pk=user.pk)
        closure, created = AccountClosure.objects.get_or_create(
            user=locked, defaults={"request": request, "closed_by": actor}
        )
        _, devices, sessions = account_lock_out(locked)
        if created:
            ledger_record(
                subject_id=locked.pk,
                source=account_source().key,
                category=Category.ACCOUNT,
                reason=ErasureLedgerEntry.Reason.CLOSURE,
                count=1,
                request_id=request.pk if request else None,
            )
        if created or devices or sessions:
            audit_log(
                action="account.closed",
                actor=actor,
                subject=locked,
                target=closure,
                details={
                    "request": request.pk if request else None,
                    "sessions": sessions,
                    "devices": devices,
                },
            )
    return closure


def account_source() -> Source:
    """The registry source that is the login account."""
    return next(source for source in registry.sources() if is_account_source(source))


def account_lock_out(user) -> tuple[bool, int, int]:
    """What closing does to the locked account row: (account changed, devices, sessions).

    Refuses logins (inactive, an unusable password), removes every
    one-time-password device and ends every session. Must be called inside a
    transaction with ``user`` locked.
    """
    from django.contrib.sessions.models import Session
    from django_otp import devices_for_user

    changed = user.is_active or user.has_usable_password()
    user.is_active = False
    # A new unusable password also changes the session hash, so any
    # session missed below is refused on its next request.
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    devices = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        devices += 1
    sessions = 0
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        user_id = str(user.pk)
        now = timezone.now()
        for session in Session.objects.filter(expire_date__gt=now).iterator(chunk_size=500):
            if session.get_decoded().get("_auth_user_id") == user_id:
                session.delete()
                sessions += 1
    return changed, devices, sessions


# -- the deletion as a whole ----------------------------------------------------------------


def deletion_execute(*, request, today: dt.date | None = None) -> None:
    """Carry out an approved deletion request and finish it.

    Called by the task queued when the request enters "in progress". Plans
    the steps once, runs those due today, closes the account when asked, and
    moves the request to completed, or partially completed with the
    statement of what is kept (rendered in the customer's language). Running
    it again after an interruption finishes the work without erasing
    anything twice; a request that is no longer in progress is left alone.
    """
    from rights.choices import Kind, Status
    from rights.models import RightsRequest
    from rights.transition_rules import erasure_ran
    from rights.workflow import transition

    today = today or timezone.localdate()
    with transaction.atomic():
        locked = (
            RightsRequest.objects.select_for_update(of=("self",))
            .select_related("subject")
            .get(pk=request.pk)
        )
        if locked.kind != Kind.DELETION or locked.status != Status.IN_PROGRESS:
            return
        if locked.subject is None:
            logger.warning("deletion %s has no data subject yet", locked.pk)
            return
        deletion_plan(locked, today=today)
    for step in locked.deferred_erasures.filter(
        status=Step.Status.PENDING, reason=Step.Reason.REQUEST, not_before__lte=today
    ).order_by("pk"):
        step_execute(step, today=today)
    if not erasure_ran(locked):
        # Another runner holds a step due today; it finishes the request.
        return
    _categories, _services, closing = requested_scope(locked)
    if closing:
        account_close(user=locked.subject, request=locked)
    statement, partial = deletion_statement(locked)
    transition(
        locked,
        to=Status.PARTIALLY_COMPLETED if partial else Status.COMPLETED,
        actor=None,
        reason=statement,
    )
    request.refresh_from_db()


def erase_after_notice(request, *, today: dt.date | None = None) -> int:
    """Erase the login account's address once the final notice has gone to it."""
    steps = request.deferred_erasures.filter(
        status=Step.Status.PENDING, reason=Step.Reason.NOTICE
    ).order_by("pk")
    return sum(step_execute(step, today=today) for step in steps)


# -- the statement to the customer ----------------------------------------------------------


def _date(day: dt.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _kept_line(source: Source, category: str, steps: list[Step]) -> str:
    count = sum(len(step.record_ids) for step in steps)
    what = gettext("%(category)s (%(source)s)") % {
        "category": Category(category).label,
        "source": source.label,
    }
    if count:
        what = ngettext("%(what)s, %(count)d record", "%(what)s, %(count)d records", count) % {
            "what": what,
            "count": count,
        }
    hold = next((s.legal_hold for s in steps if s.legal_hold is not None), None)
    if hold is not None:
        ends = [s.not_before for s in steps]
        if any(day is None for day in ends):
            return gettext(
                "%(what)s: kept under a legal hold (%(basis)s) until the hold ends; "
                "we will erase it then."
            ) % {"what": what, "basis": hold.legal_basis}
        until = max(ends) - dt.timedelta(days=1)
        return gettext(
            "%(what)s: kept under a legal hold (%(basis)s) until %(date)s; we will erase it then."
        ) % {"what": what, "basis": hold.legal_basis, "date": _date(until)}
    rule = next((s.rule for s in steps if s.rule is not None), None)
    law = (rule.display_statute or rule.display_name) if rule else gettext("a retention rule")
    ends = [s.not_before for s in steps]
    if any(day is None for day in ends):
        return gettext(
            "%(what)s: we must keep it under %(law)s; we will erase it when the legal "
            "retention period ends."
        ) % {"what": what, "law": law}
    first, last = min(ends) - dt.timedelta(days=1), max(ends) - dt.timedelta(days=1)
    if first == last:
        return gettext(
            "%(what)s: we must keep it under %(law)s until %(date)s; we will erase it then."
        ) % {"what": what, "law": law, "date": _date(last)}
    return gettext(
        "%(what)s: we must keep it under %(law)s until %(date)s at the latest; each record "
        "is erased when its own period ends, the first on %(first)s."
    ) % {"what": what, "law": law, "date": _date(last), "first": _date(first)}


def deletion_statement(request) -> tuple[str, bool]:
    """(the statement to the customer, whether anything is kept), in their language."""
    subject = request.subject
    steps = list(request.deferred_erasures.select_related("rule", "legal_hold").order_by("pk"))
    categories, _services, closing = requested_scope(request)
    erased = sorted(
        {s.category for s in steps if s.reason == Step.Reason.REQUEST and s.erased},
        key=Category.values.index,
    )
    kept: dict[tuple[str, str], list[Step]] = {}
    for step in steps:
        if step.status == Step.Status.PENDING and step.reason in (
            Step.Reason.RETENTION,
            Step.Reason.HOLD,
        ):
            kept.setdefault((step.source, step.category), []).append(step)
    account_kept = not closing and any(
        is_account_source(s) and _erase_categories(s, categories) for s in registry.sources()
    )
    language = getattr(subject, "language", None) or settings.LANGUAGE_CODE
    with translation.override(language):
        lines = []
        if erased:
            lines.append(
                gettext("We have erased: %(categories)s.")
                % {"categories": _join([str(Category(c).label) for c in erased])}
            )
        else:
            lines.append(gettext("There was no further data to erase in what you asked about."))
        if kept or account_kept:
            lines.append("")
            lines.append(gettext("We must keep the following for now:"))
            for (source_key, category), group in kept.items():
                source = registry.source(source_key)
                lines.append("- " + _kept_line(source, category, group))
            if account_kept:
                lines.append(
                    "- "
                    + gettext(
                        "Your login account (e-mail address, language, dates): kept while the "
                        "account is open, because you log in with it. Ask us to close the "
                        "account to erase it."
                    )
                )
        if closing:
            lines.append("")
            lines.append(
                gettext(
                    "Your account is closed. Its e-mail address and language setting are "
                    "erased as soon as this notice has been sent to you."
                )
            )
        text = "\n".join(lines)
    return text, bool(kept or account_kept)


def _join(items: list[str]) -> str:
    return ("、" if (translation.get_language() or "").startswith("ja") else ", ").join(items)


# -- what a subject's page shows staff ---------------------------------------------------------


def held_for_subject(subject, *, today: dt.date | None = None) -> dict:
    """What is held about a customer and until when, for staff.

    ``holds``: the staff holds that concern them; ``waiting``: their deferred
    erasures still waiting, with the day each may run.
    """
    today = today or timezone.localdate()
    holds = list(
        LegalHold.objects.filter(Q(subject=subject) | Q(subject__isnull=True))
        .filter(released_at__isnull=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("service", "placed_by")
    )
    if holds:
        from portal.kernel.models import ServiceRegistration

        theirs = set(
            ServiceRegistration.objects.filter(user=subject).values_list("service_id", flat=True)
        )
        holds = [h for h in holds if h.subject_id == subject.pk or h.service_id in theirs]
    waiting = []
    for step in (
        Step.objects.filter(subject=subject, status=Step.Status.PENDING)
        .select_related("rule", "legal_hold", "request")
        .order_by("not_before", "pk")
    ):
        try:
            label = registry.source(step.source).label
        except LookupError:
            label = step.source
        waiting.append(
            {
                "step": step,
                "source": label,
                "category": Category(step.category).label,
                "count": len(step.record_ids) or None,
                "until": step.not_before - dt.timedelta(days=1) if step.not_before else None,
                "why": (
                    localized(step.rule, "statute") or step.rule.display_name
                    if step.rule
                    else (step.legal_hold.legal_basis if step.legal_hold else "")
                ),
            }
        )
    return {"holds": holds, "waiting": waiting}
