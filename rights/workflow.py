"""The request state machine: one locked transition function.

Every status change goes through :func:`transition`. It locks the request row
(``select_for_update``), checks the transition table and who may make the
move, opens or closes the clock pause, recomputes the deadline, writes a
``RequestEvent`` and an audit event in the same transaction, and queues the
notice to the person after commit. Asking for the status a request already has
changes nothing and returns None, so a repeated click or a retried task is
harmless. A refused transition raises :class:`TransitionError` and writes
nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import Enum

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log

from . import deadlines
from .choices import EventKind, PaymentStatus, RejectionGround, Status
from .models import (
    OPEN_STATUSES,
    PAUSED_STATUSES,
    Payment,
    RequestEvent,
    RequestPause,
    RightsRequest,
)
from .payment_transitions import payment_transition


class Role(Enum):
    CUSTOMER = "customer"
    STAFF = "staff"
    SYSTEM = "system"


C, S, Y = Role.CUSTOMER, Role.STAFF, Role.SYSTEM

# from status -> {to status: roles that may make the move}
TRANSITIONS: dict[str, dict[str, frozenset[Role]]] = {
    Status.SUBMITTED: {
        Status.AWAITING_VERIFICATION: frozenset({S, Y}),
        Status.IN_REVIEW: frozenset({S, Y}),
        Status.REJECTED: frozenset({S}),
        Status.WITHDRAWN: frozenset({C, S}),
    },
    Status.AWAITING_VERIFICATION: {
        Status.IN_REVIEW: frozenset({S, Y}),
        Status.REJECTED: frozenset({S}),
        Status.WITHDRAWN: frozenset({C, S}),
        Status.EXPIRED: frozenset({S, Y}),
    },
    Status.IN_REVIEW: {
        Status.AWAITING_CUSTOMER: frozenset({S}),
        Status.AWAITING_PAYMENT: frozenset({S, Y}),
        Status.IN_PROGRESS: frozenset({S, Y}),
        Status.COMPLETED: frozenset({S}),
        Status.PARTIALLY_COMPLETED: frozenset({S}),
        Status.REJECTED: frozenset({S}),
        Status.WITHDRAWN: frozenset({C, S}),
    },
    Status.AWAITING_CUSTOMER: {
        # The system: the answer of a requester without an account (rights.identity).
        Status.IN_REVIEW: frozenset({C, S, Y}),
        Status.WITHDRAWN: frozenset({C, S}),
        Status.EXPIRED: frozenset({S, Y}),
    },
    Status.AWAITING_PAYMENT: {
        Status.IN_PROGRESS: frozenset({S, Y}),
        Status.IN_REVIEW: frozenset({S}),
        Status.WITHDRAWN: frozenset({C, S}),
        Status.EXPIRED: frozenset({S, Y}),
    },
    Status.IN_PROGRESS: {
        Status.COMPLETED: frozenset({S, Y}),
        Status.PARTIALLY_COMPLETED: frozenset({S, Y}),
        Status.REJECTED: frozenset({S}),
        Status.AWAITING_CUSTOMER: frozenset({S}),
    },
}

# Moves that must say why: the reason is told to the person.
REASON_REQUIRED = {
    Status.REJECTED,
    Status.AWAITING_CUSTOMER,
    Status.PARTIALLY_COMPLETED,
    Status.EXPIRED,
}

# The notice sent on entering a status (see rights.notifications).
NOTICE_ON_ENTRY = {
    Status.AWAITING_VERIFICATION: "verification_needed",
    Status.AWAITING_CUSTOMER: "information_needed",
    Status.AWAITING_PAYMENT: "fee_due",
    Status.COMPLETED: "completed",
    Status.PARTIALLY_COMPLETED: "partially_completed",
    Status.REJECTED: "rejected",
    Status.EXPIRED: "expired",
}


# Work that starts when a request of a kind enters a status: the erasure of an
# approved deletion (rights.retention), later the disclosure and correction
# engines. Hooks run inside the transition's transaction, after its event is
# written, and only queue work, through ``portal.outbox.enqueue`` (published after commit).
ENTRY_HOOKS: dict[tuple[str, str], list[Callable[[RightsRequest], None]]] = {}


def on_entry(status: str, kind: str):
    """Register ``hook(request)`` to run when a request of ``kind`` enters ``status``."""

    def register(hook):
        hooks = ENTRY_HOOKS.setdefault((status, kind), [])
        if hook not in hooks:
            hooks.append(hook)
        return hook

    return register


class TransitionError(Exception):
    """A transition that is not allowed now, or not for this actor; nothing changed."""


def role_of(request: RightsRequest, actor) -> Role:
    if actor is None:
        return Role.SYSTEM
    if actor.is_staff:
        return Role.STAFF
    if actor.pk in (request.subject_id, request.requester_id):
        return Role.CUSTOMER
    raise TransitionError(_("You may not act on this request."))


def allowed_transitions(request: RightsRequest, actor) -> list[str]:
    """The statuses ``actor`` may move ``request`` to now (for buttons)."""
    try:
        role = role_of(request, actor)
    except TransitionError:
        return []
    if role is Role.STAFF and actor.pk == request.subject_id:
        return []
    moves = TRANSITIONS.get(request.status, {})
    return [status for status, roles in moves.items() if role in roles]


def _pauses(request: RightsRequest) -> list[deadlines.Pause]:
    return [
        deadlines.Pause(started_at=p.started_at, ended_at=p.ended_at) for p in request.pauses.all()
    ]


def refresh_due_at(request: RightsRequest, *, now: dt.datetime | None = None) -> None:
    """Recompute the stored deadline from the regime, pauses and extension.

    Must be called inside the transaction that changed one of those; it sets
    the field and leaves saving to the caller.
    """
    request.due_at = deadlines.due_at(
        request.regime,
        request.received_at,
        pauses=_pauses(request),
        extended_to=request.extended_to,
        now=now,
    )


@transaction.atomic
def transition(
    request: RightsRequest,
    *,
    to: str,
    actor=None,
    reason: str = "",
    ground: str = "",
    http_request=None,
    notice_extra: dict | None = None,
) -> RequestEvent | None:
    """Move ``request`` to status ``to``; see the module docstring for the contract.

    ``actor`` is the user acting (None for the system); ``reason`` is told to
    the person and is required for rejections, requests for information,
    partial completion and expiry; ``ground`` (a RejectionGround) is required
    for rejections. ``notice_extra`` adds to what the notice on entry states
    (e.g. the fee's amount, reference and pay-by date). The caller's
    ``request`` object is refreshed in place.

    Leaving "awaiting payment" settles the fee still awaiting payment: the
    request cannot go on while it is unpaid (record the payment or waive it,
    :mod:`rights.fees`); on expiry it expires with the request; otherwise
    (withdrawn, back to review) it is cancelled.
    """
    locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status == to:
        request.refresh_from_db()
        return None
    role = role_of(locked, actor)
    if role is Role.STAFF and actor.pk == locked.subject_id:
        raise TransitionError(_("Staff may not process a request about themselves."))
    roles = TRANSITIONS.get(locked.status, {}).get(to)
    if roles is None:
        raise TransitionError(
            _("A request that is “%(from)s” cannot become “%(to)s”.")
            % {"from": Status(locked.status).label, "to": Status(to).label}
        )
    if role not in roles:
        raise TransitionError(_("You may not make this change."))
    reason = (reason or "").strip()
    if to in REASON_REQUIRED and not reason:
        raise TransitionError(_("Please give a reason; the person will be told it."))
    if to == Status.REJECTED and ground not in RejectionGround.values:
        raise TransitionError(_("Choose the legal ground of the rejection."))
    unpaid = None
    if locked.status == Status.AWAITING_PAYMENT:
        unpaid = (
            Payment.objects.select_for_update()
            .filter(request=locked, status=PaymentStatus.PENDING)
            .first()
        )
        if unpaid is not None and to == Status.IN_PROGRESS:
            raise TransitionError(
                _("The fee is not paid yet: record the payment or waive the fee first.")
            )

    now = timezone.now()
    from_status = locked.status
    if unpaid is not None:
        payment_transition(
            unpaid,
            to=PaymentStatus.EXPIRED if to == Status.EXPIRED else PaymentStatus.CANCELLED,
            actor=actor,
            reason=reason,
            http_request=http_request,
        )
    if from_status in PAUSED_STATUSES and to not in PAUSED_STATUSES:
        locked.pauses.filter(ended_at__isnull=True).update(ended_at=now)
    if to in PAUSED_STATUSES and from_status not in PAUSED_STATUSES:
        RequestPause.objects.create(request=locked, reason=PAUSED_STATUSES[to], started_at=now)
    elif to in PAUSED_STATUSES:
        # From one wait to another: close the old pause, open the new one.
        locked.pauses.filter(ended_at__isnull=True).update(ended_at=now)
        RequestPause.objects.create(request=locked, reason=PAUSED_STATUSES[to], started_at=now)

    locked.status = to
    if to == Status.REJECTED:
        locked.rejection_ground = ground
    if to not in OPEN_STATUSES:
        locked.closed_at = now
    refresh_due_at(locked, now=now)
    locked.save(update_fields=["status", "rejection_ground", "closed_at", "due_at"])

    event = RequestEvent.objects.create(
        request=locked,
        kind=EventKind.TRANSITION,
        actor=actor,
        from_status=from_status,
        to_status=to,
        reason=reason,
        details={"ground": ground} if ground else {},
        created_at=now,
    )
    audit_log(
        action="request.transition",
        actor=actor,
        target=locked,
        subject=locked.subject,
        request=http_request,
        details={"from": from_status, "to": to, "ground": ground or None},
    )
    for hook in ENTRY_HOOKS.get((to, locked.kind), ()):
        hook(locked)
    notice = NOTICE_ON_ENTRY.get(to)
    if notice:
        from .notifications import notify

        notify(locked, notice, reason=reason, ground=ground, extra=notice_extra)
    request.refresh_from_db()
    return event
