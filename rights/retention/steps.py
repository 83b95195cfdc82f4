"""Running one deletion step: erase what no hold keeps now, wait for the rest.

Every step re-checks the holds when it runs and erases only rows that are
still there and not yet anonymised, so running a step again (after a crash, or
twice at once) erases nothing twice and fails on nothing already gone.
Audit events and the ledger hold source keys, categories, ids and counts,
never the erased values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from portal.kernel.audit import audit_log
from portal.kernel.dates import portal_day
from portal.kernel.registry import ModelSource, Source, registry
from rights.disclosure.models import DELIVERED_KINDS, DisclosurePackage
from rights.models import RightsRequest

from .dryrun import in_dry_run
from .holds import keep_until as K
from .holds import selectors as H
from .ledger import ledger_record
from .models import DeferredErasure, ErasureLedgerEntry, LegalHold, RetentionRule
from .scope import rules_by_code, services_q

Step = DeferredErasure
# PostgreSQL advisory-lock namespace of deletion steps: one runner per step at a time.
_STEP_LOCK_NAMESPACE = 0x52455445  # "RETE"


def _step_scope(step: Step, source: Source) -> Q:
    scope = Q(pk__in=step.record_ids) if step.record_ids else Q()
    if step.max_pk is not None:
        scope &= Q(pk__lte=step.max_pk)
    return scope & services_q(source, step.services)


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


def _remaining(step: Step, source: Source):
    """The step's rows still to erase: not gone, not anonymised yet."""
    remaining = source.queryset(step.subject).filter(_step_scope(step, source))
    erased = H.already_erased_q(source, step.category)
    if erased is not None:
        remaining = remaining.exclude(erased)
    return remaining


def step_records_left(step: Step) -> int | None:
    """How many of the step's records are still to erase, whatever keeps them; None for
    a source outside this database (erased or kept as a whole)."""
    source = registry.source(step.source)
    if not isinstance(source, ModelSource):
        return None
    return _remaining(step, source).count()


@dataclass(frozen=True)
class Kept:
    """Records of a step that stay: ``until`` is the last day kept (None: no end known yet,
    an open-ended hold or a period that starts with an event still to come)."""

    count: int | None  # None: a source outside this database, kept as a whole
    until: dt.date | None
    by: LegalHold | RetentionRule


def step_outlook(step: Step, *, holds: list[LegalHold], today: dt.date) -> tuple:
    """(how many records the step's next run erases, what stays: a list of :class:`Kept`)
    when only ``holds`` are in force (e.g. a hold's release: the others in force).

    The same order as planning: the holds first (open-ended, then the longest), then
    the rules with a legal obligation, the longest of them per record. A count is None
    for a source outside this database, erased or kept as a whole.
    """
    source = registry.source(step.source)
    obligations = [r for r in K.source_rules(source, rules_by_code()) if r.obligation]
    if not isinstance(source, ModelSource):
        hold = next((h for h in holds if h.subject_id in (None, step.subject_id)), None)
        if hold is not None:
            return 0, [Kept(None, hold.ends_on, hold)]
        if obligations:
            return 0, [Kept(None, None, obligations[0])]
        return None, []
    remaining = _remaining(step, source)
    kept = []
    ordered = sorted(
        holds, key=lambda h: (h.ends_on is not None, -(h.ends_on or today).toordinal())
    )
    for hold in ordered:
        condition = H.hold_q(hold, source, step.category)
        count = remaining.filter(condition).count()
        if count:
            kept.append(Kept(count, hold.ends_on, hold))
            remaining = remaining.exclude(condition)
    if obligations:
        condition = H.rules_held_q(obligations, source, today)
        field = H.record_date_field(source)
        rows = list(remaining.filter(condition).values("pk", *([field] if field else [])))
        groups = K.rules_keep_until(obligations, source, step.subject, rows)
        for (until, rule), ids in sorted(
            groups.items(), key=lambda item: (item[0][0] or dt.date.max, item[0][1].code)
        ):
            kept.append(Kept(len(ids), until, rule))
        remaining = remaining.exclude(condition)
    return remaining.count(), kept


def _held_until(step: Step, source: Source, rules, holds, today) -> tuple:
    """(first day something still held may go, the binding open hold, what keeps it until
    then: a dated hold or a rule) for what remains."""
    remaining = _remaining(step, source)
    days: list[dt.date] = []
    binding: dict = {}  # first day -> the hold or rule that keeps records until then
    open_hold = None
    for hold in holds:
        if not remaining.filter(H.hold_q(hold, source, step.category)).exists():
            continue
        if hold.ends_on is None:
            open_hold = open_hold or hold
        else:
            days.append(hold.ends_on + dt.timedelta(days=1))
            binding.setdefault(hold.ends_on + dt.timedelta(days=1), hold)
    obligations = [rule for rule in rules if rule.obligation]
    if obligations:
        field = H.record_date_field(source)
        rows = list(
            remaining.filter(H.rules_held_q(obligations, source, today)).values(
                "pk", *([field] if field else [])
            )
        )
        for until, rule in K.rules_keep_until(obligations, source, step.subject, rows):
            if until is not None:
                days.append(until + dt.timedelta(days=1))
                binding.setdefault(until + dt.timedelta(days=1), rule)
    if open_hold is not None:
        return None, open_hold, None
    first = min(days) if days else None
    return first, None, binding.get(first) or next(iter(obligations), None)


def answers_to_send(*, subject_id: int, besides_id: int | None):
    """The open requests about or filed by ``subject_id`` other than ``besides_id``,
    oldest first. Closing the account withdraws none: each is still answered, by e-mail
    to the closed account's address, which stays until the last one's final notice
    (``deletion.erase_after_notice``)."""
    return (
        RightsRequest.objects.open()
        .filter(Q(subject_id=subject_id) | Q(requester_id=subject_id))
        .exclude(pk=besides_id)
        .order_by("received_at", "pk")
    )


def copies_awaited(deletion: RightsRequest):
    """The disclosures and notices of purposes of the deletion's person (subject or
    requester, as :func:`answers_to_send`) received before it, still open, their package
    not built yet, oldest first: the copy the person asked for first is made before the
    deletion erases what it copies. One received after the deletion does not count (the
    person asked to erase first)."""
    earlier = Q(received_at__lt=deletion.received_at) | Q(
        received_at=deletion.received_at, pk__lt=deletion.pk
    )
    return (
        answers_to_send(subject_id=deletion.subject_id, besides_id=deletion.pk)
        .filter(earlier, kind__in=DELIVERED_KINDS, disclosure_package__isnull=True)
        .order_by("received_at", "pk")
    )


def copy_awaited(step: Step) -> RightsRequest | None:
    """The disclosure a deletion's step waits for (:func:`copies_awaited`); None when it
    waits for none. A step of no request (the sweep) or keeping the address for the
    final notice (which waits for every answer) waits for none."""
    if step.request_id is None or step.reason == Step.Reason.NOTICE:
        return None
    deletion = RightsRequest.objects.filter(pk=step.request_id).first()
    if deletion is None or deletion.subject_id is None:
        return None
    return copies_awaited(deletion).first()


def download_kept_until(step: Step) -> dt.datetime | None:
    """When the link of the last disclosure package of the step's person still kept for
    download expires (the person reaches it by the follow link of the address the step
    erases, a code mailed there first); None when none is kept."""
    person = Q(request__subject_id=step.subject_id) | Q(request__requester_id=step.subject_id)
    kept = DisclosurePackage.objects.kept().filter(person)
    return kept.aggregate(until=Max("expires_at"))["until"]


def answers_awaited(step: Step) -> bool:
    """Whether an answer still goes to the address the step erases: a request still
    open, or a disclosure package still kept for download (:func:`download_kept_until`)."""
    return (
        answers_to_send(subject_id=step.subject_id, besides_id=step.request_id).exists()
        or download_kept_until(step) is not None
    )


def step_execute(
    step: Step, *, today: dt.date | None = None, run=None, attempts: int = H.BATCH_ATTEMPTS
) -> int:
    """Erase what the step may erase now; return how many records were erased.

    Records still under a hold stay and the step waits for the next day one
    of them may go (or for an open-ended hold's release). A deletion's step
    erases nothing while a copy its person asked for first is still to be made
    (:func:`copy_awaited`). Returns 0 without
    erasing when another runner has the step. The holds are read inside the
    erasing transaction and re-checked by its statements
    (:class:`~rights.retention.holds.selectors.BatchHolds`): a hold placed before they
    run wins; one placed while they run undoes the step, which is run again.
    """
    today = today or portal_day()
    with step_claimed(step.pk) as claimed:
        if not claimed:
            return 0
        step = Step.objects.select_related("subject").get(pk=step.pk)
        if step.status != Step.Status.PENDING:
            return 0
        if step.reason == Step.Reason.NOTICE and answers_awaited(step):
            # The answers still to come go to this address: it waits for the last one.
            return 0
        source = registry.source(step.source)
        rules = K.source_rules(source, rules_by_code())
        scope = _step_scope(step, source)
        erased_q = H.already_erased_q(source, step.category)
        # The erasure, the step's progress and its ledger entry commit together:
        # a worker lost half-way leaves nothing erased that the ledger lacks.
        with H.redo_on_hold_placed() as redo, transaction.atomic():
            if copy_awaited(step) is not None:
                # Checked in the erasing transaction: a package still being built keeps
                # its request open until it is stored, so the copy is never cut short.
                return 0
            seen = H.batch_holds(subject=step.subject, on=today)
            holds = seen.holds
            free = scope & ~H.held_q(source, step.category, rules=rules, holds=holds, today=today)
            free &= seen.unchanged_q()
            if erased_q is not None:
                free &= ~erased_q
            with registry.restricted({source.key: free}):
                count = source.erase(step.subject, step.category, actor=None)
            not_before, open_hold, kept_by = _held_until(step, source, rules, holds, today)
            still_held = open_hold is not None or not_before is not None
            locked = Step.objects.select_for_update().get(pk=step.pk)
            locked.erased += count
            if still_held:
                # What keeps the rest now: a hold released since no longer names it.
                # (An address kept for the final notice keeps its own reason.)
                keeper = open_hold or kept_by
                locked.not_before = not_before
                if locked.reason == Step.Reason.NOTICE:
                    locked.legal_hold = open_hold or locked.legal_hold
                elif isinstance(keeper, LegalHold):
                    locked.reason, locked.legal_hold, locked.rule = Step.Reason.HOLD, keeper, None
                elif keeper is not None:
                    locked.reason, locked.legal_hold, locked.rule = (
                        Step.Reason.RETENTION,
                        None,
                        keeper,
                    )
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
