"""What a change to a retention rule makes the sweep erase at once, and the confirmation
the admin asks for before saving such a change.

A rule applies from the moment it is saved: shortening a period (invoices from seven
years to one) with "erase when expired" lets the next sweep erase everything now past
the shorter period. :func:`newly_expired` counts it with the sweep itself in one dry run
(:mod:`.dryrun`): the changed rule is put in place and the sweep runs over the rows that
the rules as saved do not let it erase already; what it erases is what the change alone
makes expire. Nothing is written and nothing erased.

The page carries a fingerprint of what it showed (:func:`expiry_fingerprint`: the rule
as saved and as changed, and the counts). The confirming POST counts again: when more
records are past the period by then, or another officer changed the rule, the numbers
are shown again and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.kernel.admin_confirm import Confirmation, Line
from portal.kernel.dates import portal_day
from portal.kernel.registry import RecordNotFound, registry

from .dryrun import dry_run_scope
from .holds import keep_until as K
from .models import RetentionRule
from .scope import rules_by_code
from .sweep import run_sweep, sweeps

_NOT_COPIED = {"id", "updated_at"}
#: The field of the confirmation page that carries :func:`expiry_fingerprint`.
SHOWN_FIELD = "expiry_shown"


def _put_in_place(rule: RetentionRule) -> None:
    """Write ``rule``'s values to the database (inside the dry run's transaction only)."""
    values = {
        field.attname: getattr(rule, field.attname)
        for field in RetentionRule._meta.concrete_fields
        if field.name not in _NOT_COPIED
    }
    if rule.pk is None:
        RetentionRule.objects.create(**values)
    else:
        RetentionRule.objects.filter(pk=rule.pk).update(**values)


def _not_erased_as_saved(swept: list[str], today: dt.date) -> dict[str, Q]:
    """Per source of the main rules ``swept``, the rows the sweep would not erase on
    ``today`` with the rules as they are saved: not past the period of every rule that
    keeps them. (Where it would erase nothing, no condition: every row.)"""
    rules = rules_by_code()
    conditions = {}
    for source in registry.sources():
        main = rules.get(source.retention)
        if source.retention not in swept or main is None or not sweeps(main, source):
            continue
        expired = K.expired_under_all_q(K.source_rules(source, rules), source, today)
        if expired is not None:
            conditions[source.key] = ~expired
    return conditions


def newly_expired(rule: RetentionRule) -> dict[str, int]:
    """Per personal-data source, the records the next sweep would erase with ``rule`` as
    changed (not yet saved) that it would not erase with the rules as they are saved.

    Only the sources that ``rule`` keeps are swept, under their main rules (the sweep
    erases a source's rows by its main rule once every rule that keeps them has ended),
    once, over the rows the rules as saved keep.
    """
    swept = sorted({s.retention for s in registry.sources() if rule.code in s.retention_codes})
    if not swept:
        return {}
    today = portal_day()
    with dry_run_scope():
        kept_now = _not_erased_as_saved(swept, today)
        _put_in_place(rule)
        with registry.restricted(kept_now):
            after = run_sweep(dry_run=True, trigger="admin", rules=swept, today=today)
    counts: dict[str, int] = {}
    for per_source in after.counts.values():
        for source, count in per_source.items():
            counts[source] = counts.get(source, 0) + count
    return {source: count for source, count in counts.items() if count}


def expiry_fingerprint(rule: RetentionRule, counts: dict[str, int]) -> str:
    """What the confirmation page showed: the rule as saved (with the time it was) and as
    changed, and the counts; the confirming POST compares it with a new count's."""
    saved = RetentionRule.objects.filter(pk=rule.pk).values().first() if rule.pk else None
    changed = {
        field.attname: getattr(rule, field.attname)
        for field in RetentionRule._meta.concrete_fields
        if field.name not in _NOT_COPIED
    }
    shown = json.dumps([saved, changed, sorted(counts.items())], default=str, sort_keys=True)
    return hashlib.sha256(shown.encode()).hexdigest()


def _source_label(key: str) -> str:
    try:
        return str(registry.source(key).label)
    except RecordNotFound:
        return key


def expiry_confirmation(
    rule: RetentionRule, counts: dict[str, int], *, changed: bool = False
) -> Confirmation:
    """The page that asks before a rule change lets the sweep erase ``counts`` at once;
    ``changed``: shown again, the numbers or the rule having changed since confirmed."""
    total = sum(counts.values())
    again = ""
    if changed:
        again = _(
            "The numbers changed since you saw them (more records are past the period, or "
            "the rule was changed meanwhile), so nothing was saved. These are the numbers now."
        )
    items = tuple(
        ngettext("%(source)s: %(count)s record", "%(source)s: %(count)s records", count)
        % {"source": _source_label(key), "count": f"{count:,}"}
        for key, count in sorted(counts.items(), key=lambda item: _source_label(item[0]))
    )
    return Confirmation(
        title=_("Save the retention rule “%(code)s”?") % {"code": rule.code},
        notice=again,
        lines=[
            Line(
                ngettext(
                    "With this change %(count)s record is past its retention period now: "
                    "the next retention sweep erases it.",
                    "With this change %(count)s records are past their retention period "
                    "now: the next retention sweep erases them.",
                    total,
                )
                % {"count": f"{total:,}"},
                items=items,
            ),
            Line(_("Records a legal hold keeps are not counted: the sweep leaves them.")),
        ],
        button=_("Save the rule"),
        final=_("What the sweep erases cannot be restored."),
    )
