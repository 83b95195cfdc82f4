"""Until when records are kept when a retention rule with a legal obligation keeps them.

A source may fall under several laws (``Source.also_retained_under``): a record
is erased once every period has ended, and kept until the last one ends
(Companies Act art. 432(2) and the Corporation Tax Act for invoices). The
deletion plan, the deferred erasures and the sweep read these answers; which
rows are held at all is :mod:`.selectors`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from portal.kernel.dates import portal_day
from portal.kernel.models import ServiceRegistration
from portal.kernel.registry import ModelSource, Source

from .. import periods as dates
from ..models import AccountClosure, LegalHold, RetentionRule, RetentionTrigger
from .selectors import expired_q, fiscal_end_month, loss_years, record_date_field

# -- a source under several rules: the longest wins -------------------------------------


def source_rules(source: Source, rules: dict[str, RetentionRule]) -> list[RetentionRule]:
    """The rules that keep ``source``'s records (its main one first), of ``rules`` by code.

    A source may fall under several laws (``Source.also_retained_under``): an
    invoice is a transaction document (Corporation Tax Act, 7 years; 10 for
    loss years) and an important business document (Companies Act art.
    432(2), 10 years). A record is kept until the last of their periods ends.
    """
    return [rules[code] for code in source.retention_codes if code in rules]


def expired_under_all_q(rules: list[RetentionRule], source: Source, today: dt.date) -> Q | None:
    """Rows past the period of every rule in ``rules`` on ``today`` (the longest wins);
    None when there is no rule or one cannot be evaluated for the source."""
    if not rules:
        return None
    condition = Q()
    for rule in rules:
        expired = expired_q(rule, source, today)
        if expired is None:
            return None
        condition &= expired
    return condition


def _outlasts(until: dt.date | None, other: dt.date | None) -> bool:
    """Whether keeping until ``until`` is longer than until ``other`` (None: no end known)."""
    return other is not None and (until is None or until > other)


def rules_keep_until(
    rules: list[RetentionRule],
    source: ModelSource,
    subject,
    rows: list[dict],
    *,
    closing: bool = False,
) -> dict[tuple[dt.date | None, RetentionRule], list]:
    """Record ids grouped by the last day the obligations among ``rules`` keep them, and
    the rule that keeps them longest (:func:`rule_keep_until` of each, the latest wins)."""
    longest: dict = {}
    for rule in rules:
        if not rule.obligation:
            continue
        for until, ids in rule_keep_until(rule, source, subject, rows, closing=closing).items():
            for pk in ids:
                if pk not in longest or _outlasts(until, longest[pk][0]):
                    longest[pk] = (until, rule)
    groups: dict = {}
    for pk, key in longest.items():
        groups.setdefault(key, []).append(pk)
    return groups


# -- per record: until when -------------------------------------------------------------


@dataclass(frozen=True)
class KeptUntil:
    """Until when a group of records is kept, and why. ``until`` None: no end known yet."""

    until: dt.date | None
    rule: RetentionRule | None = None
    hold: LegalHold | None = None


def rule_keep_until(
    rule: RetentionRule, source: ModelSource, subject, rows: list[dict], *, closing: bool = False
) -> dict[dt.date | None, list]:
    """Record ids grouped by the last day ``rule`` keeps them (None: not known yet).

    ``rows`` are ``{"pk": ..., <record date field>: ...}`` of the subject's
    records. ``closing``: the account is being closed today.
    """
    groups: dict[dt.date | None, list] = {}
    trigger = rule.trigger
    if trigger in (RetentionTrigger.RECORD_DATE, RetentionTrigger.FISCAL_YEAR_END):
        field = record_date_field(source)
        for row in rows:
            value = row.get(field) if field else None
            if value is None:
                groups.setdefault(None, []).append(row["pk"])
                continue
            if isinstance(value, dt.datetime):
                value = portal_day(value)
            until = dates.record_keep_until(
                value, rule, end_month=fiscal_end_month(), loss_years=loss_years()
            )
            groups.setdefault(until, []).append(row["pk"])
        return groups
    period = dates.Period.of(rule)
    until = None
    if trigger == RetentionTrigger.RELIANCE_END:
        return _reliance_keep_until(source, subject, rows, period, closing=closing)
    if trigger == RetentionTrigger.ACCOUNT_CLOSURE:
        closure = AccountClosure.objects.filter(user=subject).first()
        if closure is not None:
            until = dates.keep_until(portal_day(closure.closed_at), period)
        elif closing:
            until = dates.keep_until(portal_day(), period)
    elif trigger == RetentionTrigger.REGISTRATION_END:
        registrations = ServiceRegistration.objects.filter(user=subject)
        if not registrations.filter(ended_on__isnull=True).exists():
            last = registrations.aggregate(last=models.Max("ended_on"))["last"]
            if last is not None:
                until = dates.keep_until(last, period)
    groups[until] = [row["pk"] for row in rows]
    return groups


def _reliance_keep_until(
    source: ModelSource, subject, rows: list[dict], period, *, closing: bool
) -> dict[dt.date | None, list]:
    """Rows grouped by the last day they are kept after they stopped being relied on
    (None: still relied on); the account's closure, or closing it now, ends reliance."""
    if getattr(source, "reliance_ended_at", None) is None:
        return {None: [row["pk"] for row in rows]}
    closure = AccountClosure.objects.filter(user=subject).first()
    closed_on = portal_day(closure.closed_at) if closure else None
    if closed_on is None and closing:
        closed_on = portal_day()
    ended = dict(
        source.model._default_manager.filter(pk__in=[row["pk"] for row in rows])
        .annotate(_ended=source.reliance_ended_at())
        .values_list("pk", "_ended")
    )
    groups: dict[dt.date | None, list] = {}
    for row in rows:
        days = [portal_day(ended[row["pk"]])] if ended.get(row["pk"]) else []
        days += [closed_on] if closed_on else []
        until = dates.keep_until(min(days), period) if days else None
        groups.setdefault(until, []).append(row["pk"])
    return groups
