"""What a customer's admin page shows staff: the holds on them and their waiting erasures."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from portal.kernel.dates import portal_day
from portal.kernel.db import localized
from portal.kernel.models import ServiceRegistration
from portal.kernel.registry import Category, registry

from .models import DeferredErasure, LegalHold

Step = DeferredErasure


def held_for_subject(subject, *, today: dt.date | None = None) -> dict:
    """What is held about a customer and until when, for staff.

    ``holds``: the staff holds that concern them; ``waiting``: their deferred
    erasures still waiting, with the day each may run.
    """
    today = today or portal_day()
    holds = list(
        LegalHold.objects.filter(Q(subject=subject) | Q(subject__isnull=True))
        .filter(released_at__isnull=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("service", "placed_by")
    )
    if holds:
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
