"""Writes for staff holds: place and release, each audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.kernel.audit import audit_log
from portal.kernel.dates import portal_day
from portal.kernel.registry import Category, RecordNotFound, registry

from ..models import LegalHold
from .selectors import lock_holds


def check_records(records: list[str]) -> list[str]:
    """``source:id`` references, checked against the registry's sources."""
    cleaned = []
    for ref in records:
        ref = str(ref).strip()
        if not ref:
            continue
        key, sep, record_id = ref.partition(":")
        try:
            registry.source(key)
        except RecordNotFound:
            raise ValidationError(
                _("“%(ref)s”: there is no source “%(key)s”.") % {"ref": ref, "key": key}
            ) from None
        if not sep or not record_id:
            raise ValidationError(
                _("“%(ref)s”: write a record as source:id, e.g. portal.invoice:42.") % {"ref": ref}
            )
        cleaned.append(f"{key}:{record_id}")
    return cleaned


def hold_place(
    *,
    actor,
    reason: str,
    legal_basis: str,
    subject=None,
    service=None,
    categories: list[str] | None = None,
    records: list[str] | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    http_request=None,
) -> LegalHold:
    """Place a hold: nothing it covers is erased until it ends or is released.

    Raises ValidationError with a message for staff; nothing is written then.
    """
    categories = sorted(set(categories or []))
    unknown = [c for c in categories if c not in Category.values]
    if unknown:
        raise ValidationError(_("Unknown data category: %(list)s") % {"list": ", ".join(unknown)})
    hold = LegalHold(
        subject=subject,
        service=service,
        categories=categories,
        records=check_records(records or []),
        reason=(reason or "").strip(),
        legal_basis=(legal_basis or "").strip(),
        starts_on=starts_on or portal_day(),
        ends_on=ends_on,
        placed_by=actor,
    )
    hold.full_clean()
    with transaction.atomic():
        # Waits for the erasing batches in progress; the next ones see the hold.
        lock_holds(exclusive=True)
        check_new_hold(hold)
        hold.save()
        audit_log(
            action="hold.placed",
            actor=actor,
            target=hold,
            subject=subject,
            request=http_request,
            details={
                "service": service.pk if service else None,
                "categories": categories,
                "records": len(hold.records),
                "ends_on": ends_on.isoformat() if ends_on else None,
            },
        )
    return hold


def check_new_hold(hold: LegalHold) -> None:
    """ValidationError for a hold whose last day is before its first, or that would
    keep nothing: one that has ended already, or one that another hold not released
    keeps the same data for as long."""
    if hold.ends_on is not None and hold.starts_on and hold.ends_on < hold.starts_on:
        # Also a database constraint; named here on the end date, before "ended already".
        raise ValidationError({"ends_on": _("The last day cannot be before the first day.")})
    if hold.ends_on is not None and hold.ends_on < portal_day():
        raise ValidationError(
            {"ends_on": _("This hold would have ended already: it would keep nothing.")}
        )
    same = _same_hold_in_force(hold)
    if same is not None:
        raise ValidationError(
            _("%(hold)s already keeps the same data for as long.") % {"hold": same}
        )


def _same_hold_in_force(hold: LegalHold) -> LegalHold | None:
    """A hold not released that covers exactly what ``hold`` would, for as long or longer."""
    candidates = LegalHold.objects.filter(
        released_at__isnull=True,
        subject=hold.subject,
        service=hold.service,
        starts_on__lte=hold.starts_on,
    )
    for other in candidates:
        lasts = other.ends_on is None or (
            hold.ends_on is not None and other.ends_on >= hold.ends_on
        )
        same_data = sorted(other.categories) == sorted(hold.categories) and sorted(
            other.records
        ) == sorted(hold.records)
        if lasts and same_data:
            return other
    return None


def hold_release(*, hold: LegalHold, actor, reason: str, http_request=None) -> LegalHold:
    """Release a hold with a reason; what it kept is erased by the next deferred run.

    Releasing a released hold changes nothing.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Releasing a hold needs a reason."))
    with transaction.atomic():
        locked = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if locked.released_at is not None:
            return locked
        locked.released_at = timezone.now()
        locked.released_by = actor
        locked.release_reason = reason
        locked.save(update_fields=["released_at", "released_by", "release_reason"])
        audit_log(
            action="hold.released",
            actor=actor,
            target=locked,
            subject=locked.subject,
            request=http_request,
            details={"placed_at": locked.placed_at.isoformat()},
        )
    hold.refresh_from_db()
    return hold
