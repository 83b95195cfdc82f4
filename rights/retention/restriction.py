"""Restricting the data a deletion request could not erase (GDPR Art. 18, 17(3); APPI
and the CCPA: kept only for the duty or claim that keeps it).

Data kept under a retention rule or a legal hold is only stored, and used for
the ground it is kept for: a :class:`~consent.models.ProcessingRestriction` of
source "erasure_kept" makes :func:`consent.services.may_use` refuse every
purpose except those resting on a legal obligation. It lasts until the last
kept record may be erased (open-ended while a hold without an end keeps one).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consent.kept_reasons import kept_reason
from consent.models import ProcessingRestriction, Purpose
from consent.services import restriction_create
from rights.choices import Regime
from rights.models import RightsRequest

from .models import DeferredErasure

Step = DeferredErasure
KEPT = ProcessingRestriction.Source.ERASURE_KEPT


def kept_steps(request) -> list[Step]:
    """The steps of a deletion whose records a rule or a hold keeps for now."""
    return list(
        request.deferred_erasures.filter(
            status=Step.Status.PENDING, reason__in=(Step.Reason.RETENTION, Step.Reason.HOLD)
        ).order_by("pk")
    )


def restricted_purposes(categories: set[str], *, closing: bool) -> list[Purpose | None]:
    """What to stop: every purpose (None) when the account closes, else the
    purposes that use a kept kind of data; never one resting on a legal obligation."""
    if closing:
        return [None]
    purposes = Purpose.objects.filter(is_active=True).exclude(
        legal_basis=Purpose.LegalBasis.LEGAL_OBLIGATION
    )
    return [p for p in purposes if categories & set(p.data_categories or [])]


def restrict_kept(request, *, closing: bool) -> list[ProcessingRestriction]:
    """Restrict what ``request`` keeps; running it again adds nothing.

    All its restrictions are written in one transaction, under the request's lock: a
    run that fails half-way (the database, a worker lost) leaves none, so its retry
    writes them all instead of finding one and skipping the rest; two runs at once
    write them once."""
    with transaction.atomic():
        RightsRequest.objects.select_for_update(of=("self",)).filter(pk=request.pk).first()
        return _restrict_kept(request, closing=closing)


def _restrict_kept(request, *, closing: bool) -> list[ProcessingRestriction]:
    steps = kept_steps(request)
    reference = f"rights.rightsrequest:{request.pk}"
    if (
        not steps
        or ProcessingRestriction.objects.filter(
            Q(source=KEPT) & Q(source_reference=reference)
        ).exists()
    ):
        return []
    ends = [step.not_before for step in steps]
    ends_at = None
    if all(day is not None for day in ends):
        ends_at = timezone.make_aware(dt.datetime.combine(max(ends), dt.time.min))
    # The request's own law: GDPR's articles only on a GDPR request.
    reason = kept_reason(reference=request.reference, gdpr=request.regime == Regime.GDPR)
    return [
        restriction_create(
            subject=request.subject,
            scope=ProcessingRestriction.Scope.USE,
            source=KEPT,
            purpose=purpose,
            ends_at=ends_at,
            source_reference=reference,
            reason=reason,
        )
        for purpose in restricted_purposes({s.category for s in steps}, closing=closing)
    ]
