"""What the confirmation page of a legal hold's release says will happen
(:mod:`portal.kernel.admin_confirm`): the hold ends with the reason given, and
the erasures it deferred run with the next run of deferred erasures, so many
records of which data, for which customers.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.kernel.admin_confirm import Confirmation, Line
from portal.kernel.registry import Category, RecordNotFound, registry

from .models import DeferredErasure, LegalHold
from .steps import step_records_left

#: The waiting erasures counted one by one on the page (a COUNT each); a hold over a
#: whole service may defer more, which the page then names only by their number.
MAX_COUNTED_STEPS = 200


def _data_label(source_key: str, category: str) -> str:
    try:
        source = registry.source(source_key).label
    except RecordNotFound:
        source = source_key
    return _("%(category)s (%(source)s)") % {"category": Category(category).label, "source": source}


def release_confirmation(hold: LegalHold, *, reason: str) -> Confirmation:
    """The release of ``hold`` with ``reason``, and the erasures that then run."""
    waiting = DeferredErasure.objects.filter(
        legal_hold=hold, status=DeferredErasure.Status.PENDING
    ).select_related("subject")
    total = waiting.count()
    lines = [
        Line(
            _("The hold placed on %(date)s (%(basis)s) ends today, with this reason:")
            % {
                "date": date_format(timezone.localtime(hold.placed_at), "DATE_FORMAT"),
                "basis": hold.legal_basis,
            },
            reason.strip(),
        )
    ]
    if not total:
        lines.append(Line(_("No erasure waits for this hold.")))
    else:
        items = [*_waiting_lines(waiting.order_by("pk")[:MAX_COUNTED_STEPS])]
        if total > MAX_COUNTED_STEPS:
            more = total - MAX_COUNTED_STEPS
            items.append(
                ngettext(
                    "And %(n)d more deferred erasure (see the list of deferred erasures).",
                    "And %(n)d more deferred erasures (see the list of deferred erasures).",
                    more,
                )
                % {"n": more}
            )
        text = _(
            "Erasures deferred by this hold run with the next run of deferred erasures, "
            "unless another hold or a legal retention period still keeps the data:"
        )
        lines.append(Line(text, items=tuple(items)))
    return Confirmation(
        title=_("Release %(hold)s?") % {"hold": hold},
        lines=lines,
        button=_("Release the hold"),
        final=_("What is erased then cannot be restored."),
    )


def _waiting_lines(steps) -> list[str]:
    """Per kind of data: how many records wait, for how many customers."""
    # (data, a system outside this database) -> [records, customers]
    counted: dict[tuple[str, bool], list] = {}
    for step in steps:
        left = step_records_left(step)
        row = counted.setdefault(
            (_data_label(step.source, step.category), left is None), [0, set()]
        )
        row[0] += left or 0
        row[1].add(step.subject_id)
    lines = []
    for (data, whole), (records, customers) in counted.items():
        people = ngettext("%(n)d customer", "%(n)d customers", len(customers)) % {
            "n": len(customers)
        }
        if whole:
            text = _("All of %(data)s in that system, for %(people)s.")
        else:
            text = ngettext(
                "%(count)d record of %(data)s, for %(people)s.",
                "%(count)d records of %(data)s, for %(people)s.",
                records,
            )
        lines.append(text % {"count": records, "data": data, "people": people})
    return lines
