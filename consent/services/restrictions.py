"""Processing restrictions: stops of use or provision, from a request or
entered by staff, and their end.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from portal.kernel.api.callbacks import subject_event_enqueue
from portal.kernel.audit import audit_log

from ..models import (
    ProcessingRestriction,
    Purpose,
    Recipient,
)
from .evidence import lock_subject


def restriction_create(
    *,
    subject,
    scope: str,
    source: str,
    purpose: Purpose | None = None,
    recipient: Recipient | None = None,
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    source_reference: str = "",
    reason: str = "",
    actor=None,
    request=None,
) -> ProcessingRestriction:
    """Stop use (of one purpose or all) or provision (to one recipient or all).

    It takes effect at ``starts_at`` (now by default): :func:`may_use` and
    :func:`may_provide` answer False from then on. The API clients that see
    the customer are told (a signed callback, queued in this transaction).
    """
    restriction = ProcessingRestriction(
        subject=subject,
        scope=scope,
        purpose=purpose,
        recipient=recipient,
        starts_at=starts_at or timezone.now(),
        ends_at=ends_at,
        source=source,
        source_reference=source_reference,
        reason=reason,
        created_by=actor,
    )
    restriction.full_clean()
    with transaction.atomic():
        lock_subject(subject)
        restriction.save()
        audit_log(
            action="consent.restriction_created",
            actor=actor,
            target=restriction,
            subject=subject,
            request=request,
            details={
                "scope": scope,
                "purpose": purpose.code if purpose else None,
                "recipient": recipient.pk if recipient else None,
                "source": source,
            },
        )
        subject_event_enqueue(
            subject,
            "restriction.created",
            {
                "restriction": restriction.pk,
                "scope": scope,
                "purpose": purpose.code if purpose else None,
                "recipient": recipient.pk if recipient else None,
                "starts_at": restriction.starts_at,
                "ends_at": restriction.ends_at,
            },
        )
    return restriction


def restriction_end(
    *, restriction: ProcessingRestriction, actor=None, request=None
) -> ProcessingRestriction:
    """End a restriction now; ending one that has already ended changes nothing."""
    now = timezone.now()
    with transaction.atomic():
        restriction = ProcessingRestriction.objects.select_for_update().get(pk=restriction.pk)
        if restriction.ends_at is not None and restriction.ends_at <= now:
            return restriction
        # One that has not started yet ends at its start: it never applies.
        restriction.ends_at = max(now, restriction.starts_at)
        restriction.save(update_fields=["ends_at"])
        audit_log(
            action="consent.restriction_ended",
            actor=actor,
            target=restriction,
            subject=restriction.subject,
            request=request,
        )
    return restriction
