"""The request state machine: one locked transition function.

Every status change goes through :func:`transition`. It locks the request row
(``select_for_update``), checks the transition table and who may make the
move, opens or closes the clock pause, recomputes the deadline, writes a
``RequestEvent`` and an audit event in the same transaction, and queues the
notice to the person after commit. Asking for the status a request already has
changes nothing and returns None, so a repeated click or a retried task is
harmless. A refused transition raises :class:`TransitionError` and writes
nothing.

Every rule about a move lives here, as data: :data:`TRANSITIONS` says which
moves exist and who may make them; :data:`RULES` adds the conditions of a kind
or a status (a deletion is completed only by its erasure, a disclosure only by
its delivery, "awaiting payment" only with a fee awaiting payment, review only
once identity is verified). :func:`transition` and :func:`allowed_transitions`
(which drives the admin's buttons) read the same tables, so a button is shown
exactly when pressing it would work, and no other path can skip a rule.
(The module is past 500 lines because the rules and their predicates belong
next to the table they qualify.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.kernel.audit import audit_log

from . import deadlines
from .choices import CHARGEABLE_KINDS, EventKind, Kind, PaymentStatus, RejectionGround, Status
from .disclosure.models import DELIVERED_KINDS, DisclosureDelivery, DisclosurePackage
from .models import (
    OPEN_STATUSES,
    PAUSED_STATUSES,
    Payment,
    RequestEvent,
    RequestPause,
    RightsRequest,
)
from .payment_transitions import payment_transition
from .requesters.models import RequestIdentity, VerificationStatus
from .retention.models import DeferredErasure


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
        # The system: the answer of a requester without an account (rights.requesters).
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

#: Kinds whose outcome is decided on their review form (rights.correction,
#: rights.stops), which applies what is approved and records it.
DECIDED_KINDS = frozenset({Kind.CORRECTION, Kind.STOP_USE, Kind.STOP_PROVISION})
DECISION_STATUSES = frozenset({Status.COMPLETED, Status.PARTIALLY_COMPLETED, Status.REJECTED})
DONE_STATUSES = frozenset({Status.COMPLETED, Status.PARTIALLY_COMPLETED})


# -- the conditions of a move (predicates of the request and the actor's role) -------


def erasure_ran(request: RightsRequest) -> bool:
    """The deletion's erasure plan was made and every step due with the request has run.

    Steps kept by a hold or a retention rule wait for their day; they do not
    keep the request open (the person is told what is kept, and until when).
    """
    if request.erasure_planned_at is None:
        return False
    return not DeferredErasure.objects.filter(
        request=request,
        status=DeferredErasure.Status.PENDING,
        reason=DeferredErasure.Reason.REQUEST,
    ).exists()


def delivered(request: RightsRequest) -> bool:
    """The answer reached the person: the package is stored for download, or the
    paper answer was recorded as posted."""
    State = DisclosureDelivery.State
    delivery = DisclosureDelivery.objects.filter(request=request).first()
    if delivery is None:
        return False
    if delivery.state == State.POSTED:
        return True
    return (
        delivery.state == State.READY and DisclosurePackage.objects.filter(request=request).exists()
    )


def decision_recorded(request: RightsRequest) -> bool:
    """The review form recorded its decision (written just before the move)."""
    return request.events.filter(kind__in=(EventKind.CORRECTION, EventKind.STOP)).exists()


def identity_not_verified(request: RightsRequest) -> bool:
    return RequestIdentity.objects.filter(
        request=request, verification=VerificationStatus.NOT_VERIFIED
    ).exists()


def identity_settled(request: RightsRequest) -> bool:
    """Verification is not required (no identity to check: the person is logged in),
    or staff (or the person, for an agent) found it verified."""
    identity = RequestIdentity.objects.filter(request=request).first()
    return identity is None or identity.verification == VerificationStatus.VERIFIED


def scope_named(request: RightsRequest) -> bool:
    """The request says what it covers: everything, or at least one service or kind of
    data. Requests filed before the forms required it may name nothing, which the
    erasure refuses to read as "every service" (``EmptyDeletionScope``)."""
    return bool(
        (request.scope or {}).get("everything") or request.categories or request.services.exists()
    )


def fee_awaited(request: RightsRequest) -> bool:
    return request.payments.filter(status=PaymentStatus.PENDING).exists()


def automatic_fee_due(request: RightsRequest) -> bool:
    """``RIGHTS_FEE_AUTOMATIC``: a published fee applies to the request and none was
    paid or waived yet, so it goes on only through the fee."""
    if not settings.RIGHTS_FEE_AUTOMATIC:
        return False
    from .fees import fee_basis_for, scheduled_fee

    basis = fee_basis_for(request)
    if basis is None or not scheduled_fee(
        kind=request.kind,
        regime=request.regime,
        basis=basis,
        delivery_method=request.delivery_method,
    ):
        return False
    return not request.payments.filter(
        status__in=(PaymentStatus.PAID, PaymentStatus.WAIVED)
    ).exists()


@dataclass(frozen=True)
class Rule:
    """A condition on moves to ``to`` (of ``kinds``, from ``from_``; None: any).

    ``holds(request, role)`` must be true, or the move is refused and staff are
    told ``refusal``.
    """

    to: frozenset[str]
    holds: Callable[[RightsRequest, Role], bool]
    refusal: str
    kinds: frozenset[str] | None = None
    from_: frozenset[str] | None = None

    def applies(self, request: RightsRequest, to: str) -> bool:
        return (
            to in self.to
            and (self.kinds is None or request.kind in self.kinds)
            and (self.from_ is None or request.status in self.from_)
        )


RULES: tuple[Rule, ...] = (
    # Deletion: completed only by the executor (rights.retention.erasure), as the
    # system, once the erasure it planned has run; never by a button.
    Rule(
        kinds=frozenset({Kind.DELETION}),
        to=DONE_STATUSES,
        holds=lambda request, role: role is Role.SYSTEM,
        refusal=gettext_lazy(
            "A deletion is completed by its erasure, which runs once the request is in "
            "progress; it cannot be completed by hand."
        ),
    ),
    Rule(
        kinds=frozenset({Kind.DELETION}),
        to=DONE_STATUSES,
        holds=lambda request, role: erasure_ran(request),
        refusal=gettext_lazy("The erasure has not run yet: nothing is erased."),
    ),
    # A deletion that names nothing is carried out only once the person said what it
    # covers (APPI 35; GDPR 17): ask them, rather than erase "everything".
    Rule(
        kinds=frozenset({Kind.DELETION}),
        to=frozenset({Status.IN_PROGRESS}),
        holds=lambda request, role: scope_named(request),
        refusal=gettext_lazy(
            "This deletion names no service, no kind of data and not everything: ask the "
            "person what it covers before carrying it out."
        ),
    ),
    # Disclosure and notice of purposes (APPI 32(2), 33; GDPR 15): completed only
    # by delivery, so the person is never told of an answer they cannot get.
    Rule(
        kinds=frozenset(DELIVERED_KINDS),
        to=DONE_STATUSES,
        holds=lambda request, role: delivered(request),
        refusal=gettext_lazy(
            "A disclosure is completed by its delivery: when the package is ready to "
            "download, or when the paper answer is recorded as posted."
        ),
    ),
    # Correction (APPI 34) and stop (APPI 35): decided on the review form, which
    # applies what is approved and tells the person what changed.
    Rule(
        kinds=DECIDED_KINDS,
        to=DONE_STATUSES,
        holds=lambda request, role: decision_recorded(request),
        refusal=gettext_lazy(
            "Decide this request with its review form, which applies what is approved."
        ),
    ),
    Rule(
        kinds=DECIDED_KINDS,
        to=frozenset({Status.REJECTED}),
        holds=lambda request, role: decision_recorded(request) or identity_not_verified(request),
        refusal=gettext_lazy(
            "Decide this request with its review form, which applies what is approved."
        ),
    ),
    # Fees (APPI 38; GDPR 12(5)): never for a kind the law keeps free; the clock
    # pauses only for a fee actually asked, which the unpaid-fee job expires on its date.
    Rule(
        kinds=frozenset(Kind.values) - CHARGEABLE_KINDS,
        to=frozenset({Status.AWAITING_PAYMENT}),
        holds=lambda request, role: False,
        refusal=gettext_lazy(
            "Correction, stop of use or provision and deletion are always free (APPI art. 38): "
            "no fee is asked."
        ),
    ),
    Rule(
        to=frozenset({Status.AWAITING_PAYMENT}),
        holds=lambda request, role: fee_awaited(request),
        refusal=gettext_lazy(
            "“Awaiting payment” needs a fee awaiting payment: ask the fee in the fee section."
        ),
    ),
    Rule(
        from_=frozenset({Status.AWAITING_PAYMENT}),
        to=frozenset({Status.IN_PROGRESS}),
        holds=lambda request, role: not fee_awaited(request),
        refusal=gettext_lazy("The fee is not paid yet: record the payment or waive the fee first."),
    ),
    Rule(
        kinds=CHARGEABLE_KINDS,
        from_=frozenset({Status.IN_REVIEW}),
        to=frozenset({Status.IN_PROGRESS}),
        holds=lambda request, role: not automatic_fee_due(request),
        refusal=gettext_lazy(
            "The published fee applies to this request: ask it in the fee section; the "
            "request goes on once it is paid or waived."
        ),
    ),
    # Identity (APPI 37; GDPR 12(6); CCPA §7060-7062): a request that must be
    # verified is reviewed only once it is.
    Rule(
        to=frozenset({Status.IN_REVIEW}),
        holds=lambda request, role: identity_settled(request),
        refusal=gettext_lazy(
            "Identity is not verified yet: decide it in the identity section first."
        ),
    ),
)


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


def role_of(request: RightsRequest, actor) -> Role:
    if actor is None:
        return Role.SYSTEM
    if actor.is_staff:
        return Role.STAFF
    if actor.pk in (request.subject_id, request.requester_id):
        return Role.CUSTOMER
    raise TransitionError(_("You may not act on this request."))


def refusal(request: RightsRequest, to: str, role: Role) -> str | None:
    """Why ``RULES`` refuse the move of ``request`` to ``to`` by ``role`` now, or None."""
    for rule in RULES:
        if rule.applies(request, to) and not rule.holds(request, role):
            return str(rule.refusal)
    return None


def _moves(request: RightsRequest, actor) -> list[tuple[str, str | None]]:
    """(status, why refused or None) for each move the table gives ``actor``'s role."""
    try:
        role = role_of(request, actor)
    except TransitionError:
        return []
    if role is Role.STAFF and actor.pk == request.subject_id:
        return []
    moves = TRANSITIONS.get(request.status, {})
    return [
        (status, refusal(request, status, role)) for status, roles in moves.items() if role in roles
    ]


def allowed_transitions(request: RightsRequest, actor) -> list[str]:
    """The statuses ``actor`` may move ``request`` to now: the admin's buttons.

    Exactly the moves :func:`transition` accepts (given a reason and ground where
    those are needed).
    """
    return [status for status, why in _moves(request, actor) if why is None]


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
    unpaid = None
    if locked.status == Status.AWAITING_PAYMENT:
        # Locked before the rules read it: a payment recorded meanwhile waits for us.
        unpaid = (
            Payment.objects.select_for_update()
            .filter(request=locked, status=PaymentStatus.PENDING)
            .first()
        )
    refused = refusal(locked, to, role)
    if refused is not None:
        raise TransitionError(refused)
    reason = (reason or "").strip()
    if to in REASON_REQUIRED and not reason:
        raise TransitionError(_("Please give a reason; the person will be told it."))
    if to == Status.REJECTED and ground not in RejectionGround.values:
        raise TransitionError(_("Choose the legal ground of the rejection."))

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
