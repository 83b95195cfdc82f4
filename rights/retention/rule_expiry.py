"""What a change to a retention rule makes the sweep erase at once, and the confirmation
the admin asks for before saving such a change.

A rule applies from the moment it is saved: shortening a period (invoices from seven
years to one) with "erase when expired" lets the next sweep erase everything now past
the shorter period. :func:`newly_expired` counts it with the sweep itself in a dry run
(:mod:`.dryrun`): the sweep first erases, rolled back, what is past its period already,
then the changed rule is put in place and the sweep runs again; what that second run
erases is what the change alone makes expire. Nothing is written and nothing erased.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.kernel.admin_confirm import Confirmation, Line
from portal.kernel.registry import RecordNotFound, registry

from .dryrun import dry_run_scope
from .models import RetentionRule
from .sweep import run_sweep

_NOT_COPIED = {"id", "updated_at"}


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


def newly_expired(rule: RetentionRule) -> dict[str, int]:
    """Per personal-data source, the records the next sweep would erase with ``rule`` as
    changed (not yet saved) that it would not erase with the rules as they are saved.

    Only the sources that ``rule`` keeps are swept, under their main rules (the sweep
    erases a source's rows by its main rule once every rule that keeps them has ended).
    """
    swept = sorted({s.retention for s in registry.sources() if rule.code in s.retention_codes})
    if not swept:
        return {}
    with dry_run_scope():
        run_sweep(dry_run=True, trigger="admin", rules=swept)  # past its period already
        _put_in_place(rule)
        after = run_sweep(dry_run=True, trigger="admin", rules=swept)
    counts: dict[str, int] = {}
    for per_source in after.counts.values():
        for source, count in per_source.items():
            counts[source] = counts.get(source, 0) + count
    return {source: count for source, count in counts.items() if count}


def _source_label(key: str) -> str:
    try:
        return str(registry.source(key).label)
    except RecordNotFound:
        return key


def expiry_confirmation(rule: RetentionRule, counts: dict[str, int]) -> Confirmation:
    """The page that asks before a rule change lets the sweep erase ``counts`` at once."""
    total = sum(counts.values())
    items = tuple(
        ngettext("%(source)s: %(count)s record", "%(source)s: %(count)s records", count)
        % {"source": _source_label(key), "count": f"{count:,}"}
        for key, count in sorted(counts.items(), key=lambda item: _source_label(item[0]))
    )
    return Confirmation(
        title=_("Save the retention rule “%(code)s”?") % {"code": rule.code},
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
