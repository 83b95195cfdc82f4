"""The fee's own state machine: one locked function changes ``Payment.status``.

A fee is asked ("awaiting payment"); it is then paid, waived, expires unpaid or
is cancelled (the request was withdrawn or went back to review); a paid fee
may later be refunded. Nothing else: a waived, expired, cancelled or refunded
fee is final. :func:`payment_transition` locks the row (``select_for_update``,
through :func:`payment_lock`, after the request's row), checks
:data:`PAYMENT_TRANSITIONS`, writes the fee's timeline entry (``RequestEvent`` of
kind "fee", seen by the person) and an audit event in the same transaction. Asking
for the status a fee already has changes nothing and returns None; a refused move
raises :class:`PaymentTransitionError` and writes nothing.

What the fee's change does to the request (going on once paid or waived,
expiring with it) is :mod:`rights.fees` and :mod:`rights.workflow`; this module
imports neither, so both may call it.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.kernel.audit import audit_log

from .choices import EventKind, PaymentMethod, PaymentStatus
from .models import Payment, RequestEvent, RightsRequest

P = PaymentStatus

# from status -> {to status: the audit action of the move}
PAYMENT_TRANSITIONS: dict[str, dict[str, str]] = {
    P.PENDING: {
        P.PAID: "fee.paid",
        P.WAIVED: "fee.waived",
        P.EXPIRED: "fee.expired",
        P.CANCELLED: "fee.cancelled",
    },
    P.PAID: {
        P.REFUNDED: "fee.refunded",
    },
}

# Moves that must say why (shown to the person on the timeline and the receipt).
PAYMENT_REASON_REQUIRED: dict[str, str] = {
    P.WAIVED: gettext_lazy("Waiving a fee needs a reason."),
    P.REFUNDED: gettext_lazy("A refund needs a reason."),
}

# What staff are told when a fee cannot make the move; ``%(status)s`` is its status now.
PAYMENT_REFUSALS: dict[str, str] = {
    P.PAID: gettext_lazy("This fee is “%(status)s”; only a fee awaiting payment can be paid."),
    P.WAIVED: gettext_lazy("This fee is “%(status)s”; only a fee awaiting payment can be waived."),
    P.REFUNDED: gettext_lazy("Only a paid fee can be refunded."),
}

# The fields a move may set besides those set here (who, when, why), by target status.
PAYMENT_FIELDS: dict[str, frozenset[str]] = {
    P.PAID: frozenset({"method", "paid_at", "provider"}),
}


def payment_lock(**lookup) -> Payment | None:
    """The fee matching ``lookup`` (with its request), locked; None when none matches,
    or none once locked (``lookup`` is checked again under the lock).

    Locks the request's row first, then the fee's: the order
    :func:`rights.workflow.transition` takes them in, as a request leaving "awaiting
    payment" settles its fee. In the other order a payment reported (or a fee
    expiring) as the customer withdraws deadlocked with the withdrawal, and
    PostgreSQL aborted one of them. Must be called inside a transaction.
    """
    found = Payment.objects.filter(**lookup).values_list("pk", "request_id").first()
    if found is None:
        return None
    pk, request_id = found
    # A fee never moves to another request: the request read unlocked is the one to lock.
    list(RightsRequest.objects.select_for_update().filter(pk=request_id).values_list("pk"))
    return (
        Payment.objects.select_for_update(of=("self",))
        .select_related("request")
        .filter(**lookup)
        .filter(pk=pk)
        .first()
    )


class PaymentTransitionError(ValidationError):
    """A fee status change that is not allowed; nothing changed."""


def check_payment_transition(payment: Payment, *, to: str, reason: str = "") -> str | None:
    """The audit action of moving ``payment``, as read, to ``to``; None when it has that
    status already. Raises PaymentTransitionError, in words for staff, when the move is
    refused (so a confirmation page is not offered for a move that would be)."""
    if payment.status == to:
        return None
    action = PAYMENT_TRANSITIONS.get(payment.status, {}).get(to)
    if action is None:
        refusal = PAYMENT_REFUSALS.get(to) or _(
            "This fee is “%(status)s”; it cannot become “%(to)s”."
        )
        raise PaymentTransitionError(
            str(refusal) % {"status": payment.get_status_display(), "to": PaymentStatus(to).label},
            code="payment_transition",
        )
    if to in PAYMENT_REASON_REQUIRED and not (reason or "").strip():
        raise PaymentTransitionError(str(PAYMENT_REASON_REQUIRED[to]), code="reason")
    return action


def check_paid(payment: Payment, *, method: str, paid_at: dt.datetime, now: dt.datetime) -> None:
    """Raise ValidationError, in words for staff, for a payment that cannot be recorded:
    an unknown way of paying, a day in the future or before the fee was asked."""
    if method not in PaymentMethod.values:
        raise ValidationError(_("Choose how the fee was paid."))
    if paid_at > now:
        raise ValidationError(_("The payment date cannot be in the future."))
    if timezone.localdate(paid_at) < timezone.localdate(payment.created_at):
        raise ValidationError(_("The payment date cannot be before the fee was asked."))


def payment_transition(
    payment: Payment,
    *,
    to: str,
    actor=None,
    reason: str = "",
    changes: dict | None = None,
    details: dict | None = None,
    http_request=None,
) -> Payment | None:
    """Move ``payment`` to status ``to``; return the locked, saved fee, or None if it
    already had that status. See the module docstring for the contract.

    ``actor`` is the member of staff (None: a payment provider or the system).
    ``reason`` is required to waive or refund. ``changes`` sets the fields the
    target status records (for "paid": method, paid_at, provider); ``details``
    is added to the timeline entry and the audit event (ids and names, never
    personal data). Runs in its own transaction, or the caller's.
    """
    reason = (reason or "").strip()
    changes = dict(changes or {})
    unknown = set(changes) - PAYMENT_FIELDS.get(to, frozenset())
    if unknown:
        raise ValueError(f"payment_transition to {to!r} cannot set {sorted(unknown)}")
    with transaction.atomic():
        locked = payment_lock(pk=payment.pk)
        if locked is None:
            raise Payment.DoesNotExist(f"no fee {payment.pk}")
        action = check_payment_transition(locked, to=to, reason=reason)
        if action is None:
            return None
        now = timezone.now()
        from_status = locked.status
        locked.status = to
        for name, value in changes.items():
            setattr(locked, name, value)
        if to in (P.PAID, P.WAIVED):
            locked.confirmed_by = actor
            locked.confirmed_at = now
        if to == P.WAIVED:
            locked.waiver_reason = reason
        if to == P.REFUNDED:
            locked.refunded_by = actor
            locked.refunded_at = now
            locked.refund_reason = reason
        if to in (P.EXPIRED, P.CANCELLED):
            locked.closed_at = now
        locked.save()
        RequestEvent.objects.create(
            request_id=locked.request_id,
            kind=EventKind.FEE,
            actor=actor,
            reason=reason,
            details={
                "reference": locked.reference,
                "amount": locked.amount,
                "from": from_status,
                "status": to,
                **(details or {}),
            },
            created_at=now,
        )
        audit_log(
            action=action,
            actor=actor,
            target=locked,
            subject=locked.request.subject,
            request=http_request,
            details={"amount": locked.amount, "from": from_status, **(details or {})},
        )
    return locked
