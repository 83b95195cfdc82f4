"""After a restore: the erasure ledger applied again, so nothing erased comes back."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from portal.kernel.audit import audit_log
from portal.kernel.dates import portal_day
from portal.kernel.registry import EVERY_SUBJECT, ModelSource, registry
from rights.models import RightsRequest

from .closure import account_lock_out
from .holds import keep_until as K
from .holds import selectors as H
from .ledger import transaction_rolled_back
from .models import AccountClosure, ErasureLedgerEntry, RetentionRun
from .runs import error_text, recorded_run
from .scope import rules_by_code, services_q


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
            if transaction_rolled_back(data.get("transaction")):
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
    user = get_user_model().objects.select_for_update().filter(pk=entry.subject_id).first()
    if user is None:
        return 0
    request = RightsRequest.objects.filter(pk=entry.request_id).first()
    closure, created = AccountClosure.objects.get_or_create(
        user=user, defaults={"request": request, "closed_at": entry.erased_at}
    )
    changed, devices, sessions = account_lock_out(user)
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
    if entry.reason == ErasureLedgerEntry.Reason.CLOSURE:
        with transaction.atomic():
            return _reclose_account(entry)
    source = registry.source(entry.source)
    if not isinstance(source, ModelSource):
        return 0
    rules = K.source_rules(source, rules_by_code())
    if entry.subject_id is None:
        # A sweep batch: the rows of its id range that were past the period on its day.
        if entry.reason == ErasureLedgerEntry.Reason.PURGE or not rules:
            return 0
        expired = K.expired_under_all_q(rules, source, entry.as_of or today)
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
        condition &= services_q(source, entry.services)
        subject_holds = [h for h in holds if h.subject_id in (None, subject.pk)]
        held = H.held_q(source, entry.category, rules=rules, holds=subject_holds, today=today)
        condition &= ~held
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
    today = today or portal_day()
    with recorded_run(RetentionRun.Job.REAPPLY, dry_run=dry_run, trigger=trigger) as run:
        entries = ErasureLedgerEntry.objects.exclude(reason=ErasureLedgerEntry.Reason.PURGE)
        # An interrupted run resumed: after the last entry it applied.
        entries = entries.filter(pk__gt=run.cursor.get("at", 0))
        for entry in entries.order_by("pk").iterator(chunk_size=500):
            try:
                count = _reapply_entry(entry, today=today)
            except Exception as error:
                run.error(error_text(f"ledger {entry.uid} ({entry.source})", error))
                continue
            run.add(entry.rule or entry.reason, entry.source, count)
            run.progress(at=entry.pk)
    return run.record
