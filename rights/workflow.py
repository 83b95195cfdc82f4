"""The request state machine: one locked transition function.

Every status change goes through :func:`transition`. It locks the request row
(``select_for_update``), checks the transition table and who may make the
move, opens or closes the clock pause, recomputes the deadline, writes a
``RequestEvent`` and an audit event in the same transaction, and queues the
notice to the person and the API clients' callbacks (:mod:`rights.api_events`)
after commit. Asking for the status a request already has
changes nothing and returns None, so a repeated click or a retried task is
harmless. A refused transition raises :class:`TransitionError` and writes
nothing.

Every rule about a move lives in :mod:`rights.transition_rules`, as data:
``TRANSITIONS`` says which moves exist and who may make them; ``RULES`` adds
the conditions of a kind or a status. :func:`transition` and
:func:`allowed_transitions` (which drives the admin's buttons) read the same
tables, so a button is shown exactly when pressing it would work, and no other
path can skip a rule. Work that starts when a request enters a status (an
erasure, a disclosure build) registers itself with :func:`on_entry` from the
app's ``ready()``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.kernel.audit import audit_log

from . import api_events, deadlines, know_limit
from .choices import (
    REJECTION_GROUNDS,
    EventKind,
    Kind,
    PaymentStatus,
    Regime,
    RejectionGround,
    Status,
    rejection_grounds,
    told_ground,
)
from .models import (
    OPEN_STATUSES,
    PAUSED_STATUSES,
    Payment,
    RequestEvent,
    RequestPause,
    RightsRequest,
)
from .notifications import STATUS_CHANGED, date_promised, notify, status_change_notified
from .payment_transitions import payment_transition
from .transition_rules import REASON_REQUIRED, STAFF_REASON_REQUIRED, TRANSITIONS, Role, refusal

logger = logging.getLogger(__name__)

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
# written, and only queue work, through ``portal.kernel.outbox.enqueue`` (published after commit).
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


def role_of(request: RightsRequest, actor, *, by_requester: bool = False) -> Role:
    """The role ``actor`` acts in; ``by_requester``: no user, the requester without an
    account on the request's follow page (who has no account to act as)."""
    if by_requester:
        if actor is not None or not hasattr(request, "identity"):
            raise TransitionError(_("You may not act on this request."))
        return Role.REQUESTER
    if actor is None:
        return Role.SYSTEM
    if actor.is_staff:
        return Role.STAFF
    if actor.pk in (request.subject_id, request.requester_id):
        return Role.CUSTOMER
    raise TransitionError(_("You may not act on this request."))


def _moves(request: RightsRequest, actor, *, by_requester: bool = False):
    """(status, why refused or None) for each move the table gives ``actor``'s role."""
    try:
        role = role_of(request, actor, by_requester=by_requester)
    except TransitionError:
        return []
    if role is Role.STAFF and actor.pk == request.subject_id:
        return []
    moves = TRANSITIONS.get(request.status, {})
    return [
        (status, refusal(request, status, role)) for status, roles in moves.items() if role in roles
    ]


def allowed_transitions(request: RightsRequest, actor, *, by_requester: bool = False) -> list[str]:
    """The statuses ``actor`` may move ``request`` to now: the admin's buttons.

    Exactly the moves :func:`transition` accepts (given a reason and ground where
    those are needed).
    """
    moves = _moves(request, actor, by_requester=by_requester)
    return [status for status, why in moves if why is None]


def refused_transitions(request: RightsRequest, actor) -> list[tuple[str, str]]:
    """(status, why) for the moves of ``actor``'s role that a rule refuses now, to
    show staff what the request waits for."""
    return [(status, why) for status, why in _moves(request, actor) if why is not None]


def _pauses(request: RightsRequest) -> list[deadlines.Pause]:
    return [
        deadlines.Pause(started_at=p.started_at, ended_at=p.ended_at, reason=p.reason)
        for p in request.pauses.all()
    ]


def refresh_due_at(request: RightsRequest, *, now: dt.datetime | None = None) -> None:
    """Recompute the stored deadline from the regime, pauses and extension.

    Must be called inside the transaction that changed one of those; it sets
    the field and leaves saving to the caller.
    """
    request.due_at = deadlines.due_at(
        request.regime,
        request.received_at,
        kind=request.kind,
        pauses=_pauses(request),
        extended_to=request.extended_to,
        now=now,
        tz=request.zone,
    )


def ground_refused(kind: str, regime: str, ground: str) -> str | None:
    """The message for a ground that cannot refuse a request of ``kind`` under
    ``regime``; None when it can."""
    if ground in rejection_grounds(kind, regime):
        return None
    if ground not in REJECTION_GROUNDS[kind]:
        message = _("“%(ground)s” is not a ground for refusing a request of this kind (%(kind)s).")
    else:
        message = _("“%(ground)s” is not a ground under this request's law (%(regime)s).")
    return message % {
        "ground": RejectionGround(ground).label,
        "kind": Kind(kind).label,
        "regime": Regime(regime).label,
    }


def request_grounds(request: RightsRequest) -> frozenset:
    """The grounds that may refuse ``request`` itself: those of its kind and law
    (:func:`~rights.choices.rejection_grounds`), less CCPA §1798.130(b)'s unless it is
    the person's third or later request to know in twelve months
    (:mod:`rights.know_limit`)."""
    grounds = rejection_grounds(request.kind, request.regime)
    if RejectionGround.REPEATED_KNOW in grounds and not know_limit.over_know_limit(request):
        grounds = grounds - {RejectionGround.REPEATED_KNOW}
    return grounds


def request_ground_choices(request: RightsRequest) -> list[tuple[str, str]]:
    """(value, label) of :func:`request_grounds`, in order: the working page's choice,
    each naming the article of the request's own law only (as the person is told it)."""
    allowed = request_grounds(request)
    return [
        (value, told_ground(value, request.regime, request.kind))
        for value in RejectionGround.values
        if value in allowed
    ]


def request_ground_refused(request: RightsRequest, ground: str) -> str | None:
    """The message for a ground that cannot refuse ``request``; None when it can."""
    refused = ground_refused(request.kind, request.regime, ground)
    if refused or ground not in RejectionGround.values or ground in request_grounds(request):
        return refused
    return _(
        "“%(ground)s” refuses only a person's third or later CCPA request to know within "
        "12 months (§1798.130(b)); this request is not one."
    ) % {"ground": RejectionGround(ground).label}


def _check_move(request: RightsRequest, *, to: str, role: Role, actor) -> None:
    """TransitionError unless the table has the move and ``role`` may make it."""
    if role is Role.STAFF and actor.pk == request.subject_id:
        raise TransitionError(_("Staff may not process a request about themselves."))
    roles = TRANSITIONS.get(request.status, {}).get(to)
    if roles is None:
        raise TransitionError(
            _("A request that is “%(from)s” cannot become “%(to)s”.")
            % {"from": Status(request.status).label, "to": Status(to).label}
        )
    if role not in roles:
        raise TransitionError(_("You may not make this change."))


def _check_conditions(
    request: RightsRequest, *, to: str, role: Role, reason: str, ground: str
) -> None:
    """TransitionError when a rule holds the move back, or its reason or ground is missing."""
    refused = refusal(request, to, role)
    if refused is not None:
        raise TransitionError(refused)
    required = STAFF_REASON_REQUIRED if role is Role.STAFF else REASON_REQUIRED
    if to in required and not reason:
        raise TransitionError(_("Please give a reason; the requester will be told it."))
    if to == Status.REJECTED and ground not in RejectionGround.values:
        raise TransitionError(_("Choose the legal ground of the rejection."))
    refused = ground and request_ground_refused(request, ground)
    if refused:
        raise TransitionError(refused)


def check_transition(
    request: RightsRequest, *, to: str, actor=None, reason: str = "", ground: str = ""
) -> None:
    """Raise :class:`TransitionError` with what :func:`transition` would refuse now;
    nothing is locked or written.

    For a page that asks staff to confirm a move before it is made: the move
    checks everything again, under the row lock, when it is made. Asking for the
    status the request already has passes (the move changes nothing).
    """
    if request.status == to:
        return
    role = role_of(request, actor)
    _check_move(request, to=to, role=role, actor=actor)
    _check_conditions(request, to=to, role=role, reason=(reason or "").strip(), ground=ground)


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
    by_requester: bool = False,
    wait_ended_at: dt.datetime | None = None,
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

    ``by_requester`` (with no ``actor``): the move is made by whoever filed the
    request without an account, on its follow page; the event and the audit row
    say so.

    ``wait_ended_at``: when the wait this move ends really ended, if earlier than now
    (a payment recorded after the day it was made): the pause ends then, not later
    than now nor before it began, and the deadline in the notice counts from it.
    """
    locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status == to:
        request.refresh_from_db()
        return None
    role = role_of(locked, actor, by_requester=by_requester)
    _check_move(locked, to=to, role=role, actor=actor)
    unpaid = None
    if locked.status == Status.AWAITING_PAYMENT:
        # Locked before the rules read it: a payment recorded meanwhile waits for us.
        unpaid = (
            Payment.objects.select_for_update()
            .filter(request=locked, status=PaymentStatus.PENDING)
            .first()
        )
    reason = (reason or "").strip()
    _check_conditions(locked, to=to, role=role, reason=reason, ground=ground)

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
    # The wait ends now: was the person promised the date once the clock runs again?
    promised = (
        from_status in PAUSED_STATUSES and to not in PAUSED_STATUSES and date_promised(locked)
    )
    if from_status in PAUSED_STATUSES and to not in PAUSED_STATUSES:
        for pause in locked.pauses.filter(ended_at__isnull=True):
            pause.ended_at = max(min(wait_ended_at or now, now), pause.started_at)
            pause.save(update_fields=["ended_at"])
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
    logger.info("request %s: %s -> %s", locked.reference, from_status, to)

    event = RequestEvent.objects.create(
        request=locked,
        kind=EventKind.TRANSITION,
        actor=actor,
        from_status=from_status,
        to_status=to,
        reason=reason,
        details={
            **({"ground": ground} if ground else {}),
            **({"by": role.value} if role is Role.REQUESTER else {}),
        },
        created_at=now,
    )
    audit_log(
        action="request.transition",
        actor=actor,
        target=locked,
        subject=locked.subject,
        request=http_request,
        details={
            "from": from_status,
            "to": to,
            "ground": ground or None,
            **({"by": role.value} if role is Role.REQUESTER else {}),
        },
    )
    api_events.status_changed(locked, from_status=from_status, to_status=to)
    for hook in ENTRY_HOOKS.get((to, locked.kind), ()):
        hook(locked)
    notice = NOTICE_ON_ENTRY.get(to)
    if notice:
        notify(locked, notice, reason=reason, ground=ground, extra=notice_extra)
    elif status_change_notified(to, actor, date_promised=promised):
        extra = {"status": to}
        if unpaid is not None:
            # Withdrawn or back to review: the fee it waited for is cancelled; the
            # notice says so, and that nothing is to be paid.
            extra["fee_cancelled"] = {"amount": unpaid.amount, "reference": unpaid.reference}
        notify(locked, STATUS_CHANGED, extra=extra)
    request.refresh_from_db()
    return event
