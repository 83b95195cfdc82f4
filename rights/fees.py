"""Fees: publishing the fee schedule, asking a fee, recording payment, waiver and refund.

Which requests the law lets a company charge, and on what basis, is
:mod:`rights.fee_law` (APPI art. 38; GDPR 12(5) / 15(3); CCPA; docs/legal.md);
the published fee in force is ``FeeSchedule.objects.applicable(...)``. The
person is told the fee before being charged.

Every write here runs in one transaction with its audit event; status changes
go through :func:`rights.workflow.transition`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.kernel.audit import audit_log
from portal.kernel.personal_data import yen

from .choices import (
    CHARGEABLE_KINDS,
    EventKind,
    FeeBasis,
    PaymentMethod,
    PaymentStatus,
    Regime,
    Status,
)
from .deadlines import fee_pay_by
from .disclosure.selectors import delivered_copy_before
from .fee_law import check_fee_allowed, fee_basis_for
from .models import FeeSchedule, Payment, PaymentEvent, RequestEvent, RightsRequest
from .notifications import recipient_of
from .payment_transitions import check_paid, payment_lock, payment_transition
from .workflow import transition

# What a published fee states; once customers were asked it, only its end
# date and note may change (a new amount is a new row).
SCHEDULE_FIELDS = (
    "kind",
    "regime",
    "basis",
    "delivery_method",
    "amount",
    "effective_from",
    "effective_until",
    "note",
    "note_en",
)
SCHEDULE_FIELDS_ALWAYS_EDITABLE = {"effective_until", "note", "note_en"}


def fee_schedule_save(*, schedule: FeeSchedule, actor, http_request=None) -> FeeSchedule:
    """Validate and save a published fee, with an audit event naming the changed fields.

    Raises ValidationError for a fee the law does not allow, overlapping
    periods, or a change to a fee already asked of customers.
    """
    schedule.full_clean()
    with transaction.atomic():
        previous = FeeSchedule.objects.filter(pk=schedule.pk).first() if schedule.pk else None
        changed = [
            name
            for name in SCHEDULE_FIELDS
            if previous is None or getattr(previous, name) != getattr(schedule, name)
        ]
        if (
            previous is not None
            and set(changed) - SCHEDULE_FIELDS_ALWAYS_EDITABLE
            and previous.payments.exists()
        ):
            raise ValidationError(
                _(
                    "Customers have been asked this fee, so it cannot change: set its last day "
                    "and add a new fee from the next day."
                )
            )
        schedule.save()
        audit_log(
            action="fee.schedule_saved",
            actor=actor,
            target=schedule,
            request=http_request,
            details={"created": previous is None, "fields": changed, "amount": schedule.amount},
        )
    return schedule


def current_schedule(on: dt.date | None = None) -> list[FeeSchedule]:
    """Every fee in force on ``on``, for the public fee page."""
    return list(
        FeeSchedule.objects.effective(on).order_by("regime", "kind", "basis", "delivery_method")
    )


_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def _new_reference(request: RightsRequest) -> str:
    while True:
        suffix = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(4))
        reference = f"F{request.pk:06d}-{suffix}"
        if not Payment.objects.filter(reference=reference).exists():
            return reference


def published_amount(schedule: FeeSchedule | None, amount: int | None) -> int:
    """The APPI fee: the published amount, and no other (art. 38, art. 32(1)(iii)).

    Raises ValidationError when no fee was published for the request on the
    day it was received (nothing may be charged), or when ``amount`` is not
    the published one.
    """
    if schedule is None:
        raise ValidationError(
            _(
                "No fee was published for this request on the day it was received, so none "
                "may be charged (APPI art. 38)."
            ),
            code="no_published_fee",
        )
    if amount is not None and amount != schedule.amount:
        raise ValidationError(
            _(
                "Under APPI the fee is the published one: %(amount)s for this request "
                "(art. 38); another amount cannot be charged."
            )
            % {"amount": yen(schedule.amount)},
            code="not_published_amount",
        )
    return schedule.amount


def fee_notice_context(payment: Payment) -> dict:
    """What the fee notice states: amount, payment reference and the pay-by date, and
    why it is charged: for a request found manifestly unfounded or excessive the reason
    staff gave (GDPR art. 12(5)), for a further copy (GDPR art. 15(3)) the earlier
    delivery it follows."""
    fee = {
        "amount": payment.amount,
        "reference": payment.reference,
        "pay_by": payment.due_at.isoformat(),
    }
    if payment.basis == FeeBasis.UNFOUNDED:
        # GDPR 12(5) / CCPA: charged only with a reason, which the person is told.
        fee["unfounded_reason"] = payment.request.unfounded_reason
    if payment.further_copy_of_id is not None:
        fee["further_copy_of"] = {
            "reference": payment.further_copy_of.reference,
            "delivered_on": payment.further_copy_delivered_on.isoformat(),
        }
    return {"fee": fee}


def fee_request(
    *,
    request: RightsRequest,
    actor,
    amount: int | None = None,
    reason: str = "",
    further_copy: bool = False,
    http_request=None,
) -> Payment:
    """Ask the person a fee and wait for payment (the clock pauses).

    Allowed only for a request in review whose kind and regime may be charged
    (:func:`fee_basis_for`). Under APPI the amount is the fee published for
    the request on the day it was received, and nothing else
    (:func:`published_amount`). Under GDPR / CCPA ``amount`` defaults to the
    published fee; any other amount (or a fee where none is published) needs
    ``reason``. The
    request moves to "awaiting payment" through the workflow, which pauses
    the deadline and sends the fee notice with the amount, the payment
    reference and the pay-by date. Asking again while a fee awaits payment
    returns that fee. Raises ValidationError with a message fit for staff.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        pending = locked.payments.filter(status=PaymentStatus.PENDING).first()
        if pending is not None and locked.status == Status.AWAITING_PAYMENT:
            return pending
        if locked.status != Status.IN_REVIEW:
            raise ValidationError(_("A fee can be asked only while the request is in review."))
        if locked.kind not in CHARGEABLE_KINDS:
            check_fee_allowed(kind=locked.kind, regime=locked.regime, basis=FeeBasis.PUBLISHED)
        basis = fee_basis_for(locked, further_copy=further_copy)
        if basis is None:
            raise ValidationError(
                _(
                    "This request is free: under GDPR and CCPA a fee may be asked only once the "
                    "request is marked manifestly unfounded or excessive, or for a further copy "
                    "(GDPR 12(5), 15(3))."
                )
            )
        earlier = None
        if basis == FeeBasis.FURTHER_COPY:
            earlier = delivered_copy_before(locked)
            if earlier is None:
                raise ValidationError(
                    _(
                        "No copy of this data was delivered to the person before this request: "
                        "a first copy is free, only a further one may be charged (GDPR art. "
                        "15(3))."
                    ),
                    code="no_earlier_copy",
                )
        schedule = FeeSchedule.objects.for_request(locked, basis)
        if basis == FeeBasis.PUBLISHED:
            amount, reason = published_amount(schedule, amount), ""
        elif amount is None:
            if schedule is None:
                raise ValidationError(
                    _("No fee is published for this request; enter the amount and a reason.")
                )
            amount = schedule.amount
        if amount <= 0:
            raise ValidationError(_("The fee must be at least ¥1."))
        if (schedule is None or amount != schedule.amount) and not reason:
            raise ValidationError(_("The amount differs from the published fee; give the reason."))
        now = timezone.now()
        payment = Payment.objects.create(
            request=locked,
            reference=_new_reference(locked),
            amount=amount,
            basis=basis,
            schedule=schedule,
            deviation_reason=reason if schedule is None or amount != schedule.amount else "",
            further_copy_of=earlier.request if earlier else None,
            further_copy_delivered_on=earlier.delivered_on if earlier else None,
            due_at=fee_pay_by(now, locked.zone),
            created_at=now,
        )
        audit_log(
            action="fee.requested",
            actor=actor,
            target=payment,
            subject=locked.subject,
            request=http_request,
            details={
                "request": locked.pk,
                "amount": amount,
                "basis": basis,
                "schedule": schedule.pk if schedule else None,
                "deviation": bool(payment.deviation_reason),
            },
        )
        transition(
            locked,
            to=Status.AWAITING_PAYMENT,
            actor=actor,
            http_request=http_request,
            notice_extra=fee_notice_context(payment),
        )
    request.refresh_from_db()
    return payment


def _resume(payment: Payment, *, actor, resumed_at: dt.datetime, http_request=None) -> None:
    """Put the request in progress; the clock runs again from ``resumed_at``.

    The payment pause ends when the money arrived, not when staff got round to
    recording it, so a late entry does not eat into the person's deadline; the
    notice that work goes on gives the date counted from then.
    """
    request = payment.request
    if request.status != Status.AWAITING_PAYMENT:
        return
    transition(
        request,
        to=Status.IN_PROGRESS,
        actor=actor,
        http_request=http_request,
        wait_ended_at=resumed_at,
    )


def payment_record(
    *,
    payment: Payment,
    method: str,
    paid_at: dt.datetime | None = None,
    actor=None,
    provider: str = "",
    http_request=None,
) -> Payment:
    """Record that the fee was paid; the request goes on and its clock runs again.

    ``actor`` is the member of staff who checked the money arrived, or None
    when a payment provider reported it. Recording a paid fee again changes
    nothing. Raises ValidationError when the fee no longer awaits payment.
    """
    now = timezone.now()
    paid_at = paid_at or now
    check_paid(payment, method=method, paid_at=paid_at, now=now)
    with transaction.atomic():
        locked = payment_transition(
            payment,
            to=PaymentStatus.PAID,
            actor=actor,
            changes={"method": method, "paid_at": paid_at, "provider": provider},
            details={"method": method, "provider": provider or None},
            http_request=http_request,
        )
        if locked is not None:
            _resume(locked, actor=actor, resumed_at=paid_at, http_request=http_request)
    payment.refresh_from_db()
    return payment


def payment_waive(*, payment: Payment, reason: str, actor, http_request=None) -> Payment:
    """Waive a fee awaiting payment (a reason is required); the request goes on."""
    with transaction.atomic():
        locked = payment_transition(
            payment,
            to=PaymentStatus.WAIVED,
            actor=actor,
            reason=reason,
            http_request=http_request,
        )
        if locked is not None:
            _resume(locked, actor=actor, resumed_at=locked.confirmed_at, http_request=http_request)
    payment.refresh_from_db()
    return payment


def payment_refund(*, payment: Payment, reason: str, actor, http_request=None) -> Payment:
    """Record that a paid fee was given back (a reason is required).

    The request's status does not change; the person sees the refund and its
    reason on the request's page and on the receipt.
    """
    payment_transition(
        payment, to=PaymentStatus.REFUNDED, actor=actor, reason=reason, http_request=http_request
    )
    payment.refresh_from_db()
    return payment


def request_mark_unfounded(
    *, request: RightsRequest, unfounded: bool = True, reason: str, actor, http_request=None
) -> RightsRequest:
    """Mark (or unmark) a request manifestly unfounded or excessive, with a reason.

    Under GDPR 12(5) and the CCPA rules this lets staff ask a reasonable fee
    or refuse the request; the reason is recorded on the timeline the person
    sees. APPI has no such rule: its fees are the published ones (art. 38).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason; the requester will be told it."))
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        if locked.regime == Regime.APPI:
            raise ValidationError(
                _("APPI has no “manifestly unfounded or excessive” rule; use the published fee.")
            )
        if not locked.is_open:
            raise ValidationError(_("The request is closed."))
        if locked.unfounded == unfounded:
            return locked
        locked.unfounded = unfounded
        locked.unfounded_reason = reason if unfounded else ""
        locked.save(update_fields=["unfounded", "unfounded_reason"])
        RequestEvent.objects.create(
            request=locked,
            kind=EventKind.UNFOUNDED,
            actor=actor,
            reason=reason,
            details={"unfounded": unfounded},
        )
        audit_log(
            action="request.unfounded" if unfounded else "request.unfounded_cleared",
            actor=actor,
            target=locked,
            subject=locked.subject,
            request=http_request,
        )
    request.refresh_from_db()
    return request


# Requests expired per transaction: each expiry writes a few rows and queues a
# mail, so a small batch keeps the lock time short and a crash loses little.
EXPIRY_BATCH = 100


def payments_expire_unpaid(
    *, now: dt.datetime | None = None, batch_size: int = EXPIRY_BATCH
) -> int:
    """Expire requests whose fee is still unpaid after its pay-by date; tell the person.

    Walks the pending fees past their date in primary-key batches (the
    ``rights_payment_status_due`` index serves the query); each request is
    expired in its own transaction through the workflow, which marks the fee
    expired and sends the "expired" notice. Running it twice is harmless: an
    expired fee is no longer pending.
    """
    now = now or timezone.now()
    expired = 0
    last_pk = 0
    while True:
        batch = list(
            Payment.objects.filter(
                status=PaymentStatus.PENDING,
                due_at__lt=now,
                request__status=Status.AWAITING_PAYMENT,
                pk__gt=last_pk,
            )
            .order_by("pk")
            .values_list("pk", "request_id")[:batch_size]
        )
        if not batch:
            return expired
        last_pk = batch[-1][0]
        for payment_pk, request_pk in batch:
            with transaction.atomic():
                still_pending = payment_lock(
                    pk=payment_pk, status=PaymentStatus.PENDING, due_at__lt=now
                )
                if still_pending is None:
                    continue  # paid or handled meanwhile
                request = RightsRequest.objects.select_related("subject", "requester").get(
                    pk=request_pk
                )
                zone = ZoneInfo(request.zone)
                period = timezone.localdate(still_pending.due_at, zone) - timezone.localdate(
                    still_pending.created_at, zone
                )
                # The reason is part of the notice: write it in the person's language.
                person = recipient_of(request)
                with translation.override(person.language if person else settings.LANGUAGE_CODE):
                    reason = _(
                        "The fee (payment reference %(reference)s) was not paid within "
                        "%(days)d days."
                    ) % {"reference": still_pending.reference, "days": period.days}
                transition(request, to=Status.EXPIRED, actor=None, reason=reason)
            expired += 1


def webhook_event_handle(*, provider: str, event) -> PaymentEvent:
    """Apply a verified provider event once: record the payment it reports.

    ``event`` is a :class:`rights.payments.Event`. The (provider, event id)
    pair is stored first; the same event again returns the stored row and
    changes nothing. A reference that matches no pending fee, or an amount
    that differs from the fee, is stored with that outcome for staff to look
    at, and records nothing.
    """
    from django.db import IntegrityError

    existing = PaymentEvent.objects.filter(provider=provider, event_id=event.event_id).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            stored = PaymentEvent.objects.create(
                provider=provider,
                event_id=event.event_id,
                reference=event.reference[:40],
                amount=event.amount,
                outcome=PaymentEvent.Outcome.RECORDED,
            )
            payment = payment_lock(reference=event.reference)
            stored.payment = payment
            if payment is None:
                stored.outcome = PaymentEvent.Outcome.UNKNOWN_REFERENCE
            elif payment.status != PaymentStatus.PENDING:
                stored.outcome = PaymentEvent.Outcome.NOT_PENDING
            elif event.amount != payment.amount:
                stored.outcome = PaymentEvent.Outcome.WRONG_AMOUNT
            else:
                payment_record(
                    payment=payment, method=PaymentMethod.CARD, actor=None, provider=provider
                )
            stored.save(update_fields=["payment", "outcome"])
            audit_log(
                action="fee.provider_event",
                target=stored,
                subject=payment.request.subject if payment else None,
                details={"provider": provider, "outcome": stored.outcome},
            )
    except IntegrityError:
        # The same event arrived twice at once; the other delivery stored it.
        return PaymentEvent.objects.get(provider=provider, event_id=event.event_id)
    return stored
