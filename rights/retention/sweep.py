"""The retention sweep: data past its rule's period, under no staff hold, erased by
rule across all customers, window by window of primary keys."""

from __future__ import annotations

import datetime as dt
import zlib

from django.db import connection, transaction
from django.db.models import Q

from portal.kernel.dates import portal_day
from portal.kernel.registry import EVERY_SUBJECT, registry

from . import runs
from .holds import keep_until as K
from .holds import selectors as H
from .ledger import ledger_record
from .models import ErasureLedgerEntry, RetentionRule, RetentionRun, RetentionTrigger
from .runs import Run, batch_size, error_text, recorded_run
from .scope import is_account_source, rules_by_code


def _sweep_categories(source) -> list[str]:
    categories = [c.value for c in source.categories()]
    return categories[:1] if source.erasure == "delete" else categories


def sweep_condition(rules, source, category, *, holds, today) -> Q | None:
    """Rows past the period of every rule that keeps them, under no staff hold."""
    expired = K.expired_under_all_q(rules, source, today)
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


def _sweep_source(run: Run, rule, source, *, rules, today, size: int) -> None:
    """Erase what is past the rule's period, window by window of ``size`` primary keys.

    Windows are fixed ranges of keys (``pk // size``), the same for every
    sweep, each erased by one statement in its own transaction: a crash loses
    at most the window in progress, and the next run, picking rows by what is
    still to do, finishes it. Gaps in the keys are skipped by an index lookup.
    Each window reads the staff holds inside its transaction and its statement
    re-checks them (:func:`_sweep_window`). ``rules`` are every rule that keeps
    the source's records (``rule``, its main one, first): a row goes once the
    longest has ended.
    """
    manager = source.model._default_manager
    keys = manager.order_by("pk").values_list("pk", flat=True)
    for category in _sweep_categories(source):
        if K.expired_under_all_q(rules, source, today) is None:
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
                if not _sweep_window(run, rules, source, category, today, low, high, part):
                    break
            runs.after_batch(run, rule.code, source.key)
            following = keys.filter(pk__gt=high).first()
            if following is None:
                break
            window = following // size
        run.progress(done=part)


def _sweep_window(run: Run, rules, source, category, today, low: int, high: int, part) -> bool:
    """Erase one window in its own transaction; True when it must be redone.

    The holds are read inside the transaction, after the lock that placing a
    hold takes, and the erasing statement itself also checks that no hold in
    force is missing from them: a hold committed before the statement starts
    keeps its rows. If one is missing (placed between the read and the
    statement), the statement erases nothing and the window is done again.
    """
    rule = rules[0]  # the source's main rule names the batch
    with H.redo_on_hold_placed() as redo, transaction.atomic():
        if _claim_window(source.key, low // (high - low + 1)):
            seen = H.batch_holds(on=today)
            condition = sweep_condition(rules, source, category, holds=seen.holds, today=today)
            in_window = Q(pk__gte=low, pk__lte=high) & condition & seen.unchanged_q()
            with registry.restricted({source.key: in_window}):
                count = source.erase(EVERY_SUBJECT, category, actor=None)
            if count:
                ledger_record(
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
            # One UPDATE of the run per window: the counts go with the progress.
            run.add(rule.code, source.key, count, save=False)
            run.progress(at={"part": part, "pk": high})
    return redo.needed


def run_sweep(
    *,
    today: dt.date | None = None,
    dry_run: bool = False,
    trigger: str = "hand",
    rules: list[str] | None = None,
) -> RetentionRun:
    """Erase, rule by rule, what is past its period and under no staff hold."""
    today = today or portal_day()
    size = batch_size()
    with recorded_run(RetentionRun.Job.SWEEP, dry_run=dry_run, trigger=trigger) as run:
        every_rule = rules_by_code()
        chosen = RetentionRule.objects.filter(erase_when_expired=True).order_by("code")
        if rules is not None:
            chosen = chosen.filter(code__in=rules)
        for rule in chosen:
            for source in registry.sources():
                if not sweeps(rule, source):
                    continue
                try:
                    kept_by = K.source_rules(source, every_rule)
                    _sweep_source(run, rule, source, rules=kept_by, today=today, size=size)
                except Exception as error:  # other rules and sources still run
                    run.error(error_text(f"{rule.code}/{source.key}", error))
    return run.record


def sweeps(rule, source) -> bool:
    """Whether the sweep erases ``source``'s rows under ``rule`` (its main rule)."""
    if not rule.erase_when_expired or source.retention != rule.code:
        return False
    # The rows of an account source are the accounts: only a rule counted from closure
    # may anonymise them, never one that would reach a live account.
    return not is_account_source(source) or _closed_accounts_only(rule)


def _closed_accounts_only(rule) -> bool:
    """A rule counted from account closure may anonymise the account row too."""
    return rule.trigger == RetentionTrigger.ACCOUNT_CLOSURE
