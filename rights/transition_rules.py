"""The rules of the request state machine, as data.

:data:`TRANSITIONS` says which moves exist and which roles may make them;
:data:`RULES` adds the conditions of a kind or a status (a deletion is
completed only by its erasure, a disclosure only by its delivery, "awaiting
payment" only with a fee awaiting payment, review only once identity is
verified), each with the reason staff are told when it refuses a move.
:func:`refusal` applies them. :mod:`rights.workflow` reads these tables both to
make a move and to show the moves that would succeed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .choices import CHARGEABLE_KINDS, EventKind, Kind, PaymentStatus, Regime, Status
from .connectors.models import HeldDecision, SystemTask
from .disclosure.models import DELIVERED_KINDS, DisclosureDelivery, DisclosurePackage
from .fee_law import fee_basis_for
from .models import FeeSchedule, RightsRequest
from .requesters.models import RequestIdentity, VerificationStatus
from .retention.models import DeferredErasure


class Role(Enum):
    CUSTOMER = "customer"
    STAFF = "staff"
    SYSTEM = "system"
    #: Whoever filed a request without an account, acting on its follow page (the
    #: signed link in the notices, then a code mailed to their address).
    REQUESTER = "requester"


#: Those who may withdraw a request: the customer, the requester without an account
#: (on the follow page) and staff, for a person who asked by letter or phone.
_WITHDRAW = frozenset({Role.CUSTOMER, Role.REQUESTER, Role.STAFF})


# from status -> {to status: roles that may make the move}
TRANSITIONS: dict[str, dict[str, frozenset[Role]]] = {
    Status.SUBMITTED: {
        Status.AWAITING_VERIFICATION: frozenset({Role.STAFF, Role.SYSTEM}),
        Status.IN_REVIEW: frozenset({Role.STAFF, Role.SYSTEM}),
        Status.REJECTED: frozenset({Role.STAFF}),
        Status.WITHDRAWN: _WITHDRAW,
    },
    Status.AWAITING_VERIFICATION: {
        Status.IN_REVIEW: frozenset({Role.STAFF, Role.SYSTEM}),
        Status.REJECTED: frozenset({Role.STAFF}),
        Status.WITHDRAWN: _WITHDRAW,
        Status.EXPIRED: frozenset({Role.STAFF, Role.SYSTEM}),
    },
    Status.IN_REVIEW: {
        Status.AWAITING_CUSTOMER: frozenset({Role.STAFF}),
        Status.AWAITING_PAYMENT: frozenset({Role.STAFF, Role.SYSTEM}),
        Status.IN_PROGRESS: frozenset({Role.STAFF, Role.SYSTEM}),
        Status.COMPLETED: frozenset({Role.STAFF}),
        Status.PARTIALLY_COMPLETED: frozenset({Role.STAFF}),
        Status.REJECTED: frozenset({Role.STAFF}),
        Status.WITHDRAWN: _WITHDRAW,
    },
    Status.AWAITING_CUSTOMER: {
        # The system: the answer of a requester without an account (rights.requesters).
        Status.IN_REVIEW: frozenset({Role.CUSTOMER, Role.STAFF, Role.SYSTEM}),
        Status.WITHDRAWN: _WITHDRAW,
        Status.EXPIRED: frozenset({Role.STAFF, Role.SYSTEM}),
    },
    Status.AWAITING_PAYMENT: {
        Status.IN_PROGRESS: frozenset({Role.STAFF, Role.SYSTEM}),
        Status.IN_REVIEW: frozenset({Role.STAFF}),
        Status.WITHDRAWN: _WITHDRAW,
        Status.EXPIRED: frozenset({Role.STAFF, Role.SYSTEM}),
    },
    Status.IN_PROGRESS: {
        Status.COMPLETED: frozenset({Role.STAFF, Role.SYSTEM}),
        Status.PARTIALLY_COMPLETED: frozenset({Role.STAFF, Role.SYSTEM}),
        Status.REJECTED: frozenset({Role.STAFF}),
        Status.AWAITING_CUSTOMER: frozenset({Role.STAFF}),
    },
}

# Moves that must say why: the reason is told to the requester.
REASON_REQUIRED = {
    Status.REJECTED,
    Status.AWAITING_CUSTOMER,
    Status.PARTIALLY_COMPLETED,
    Status.EXPIRED,
}
#: Staff closing a request for the person (who asked by phone or letter) say why:
#: the person is told it.
STAFF_REASON_REQUIRED = REASON_REQUIRED | {Status.WITHDRAWN}

#: Kinds whose outcome is decided on their review form (rights.correction,
#: rights.stop_decisions), which applies what is approved and records it.
DECIDED_KINDS = frozenset({Kind.CORRECTION, Kind.STOP_USE, Kind.STOP_PROVISION})
DECISION_STATUSES = frozenset({Status.COMPLETED, Status.PARTIALLY_COMPLETED, Status.REJECTED})
DONE_STATUSES = frozenset({Status.COMPLETED, Status.PARTIALLY_COMPLETED})


# -- the conditions of a move (predicates of the request and the actor's role) -------


def _steps_left():
    """The steps a deletion itself still has to run (those it waits for)."""
    return DeferredErasure.objects.filter(
        status=DeferredErasure.Status.PENDING, reason=DeferredErasure.Reason.REQUEST
    )


def _systems_unsettled():
    """The parts that systems outside this database have not settled yet."""
    return SystemTask.objects.exclude(state__in=SystemTask.SETTLED)


def erasure_ran(request: RightsRequest) -> bool:
    """The deletion's erasure plan was made and every step due with the request has run.

    Steps kept by a hold or a retention rule wait for their day; they do not
    keep the request open (the person is told what is kept, and until when).
    """
    if request.erasure_planned_at is None:
        return False
    return not _steps_left().filter(request=request).exists()


def systems_answered(request: RightsRequest) -> bool:
    """Every system outside this database answered, or staff recorded why it could not
    (GDPR art. 19); a failed one keeps the request open until retried or so recorded."""
    return not _systems_unsettled().filter(request=request).exists()


def erasure_ran_and_answered() -> Q:
    """:func:`erasure_ran` and :func:`systems_answered` as one condition on requests,
    to find every such request in one query."""
    return (
        Q(erasure_planned_at__isnull=False)
        & ~Exists(_steps_left().filter(request=OuterRef("pk")))
        & ~Exists(_systems_unsettled().filter(request=OuterRef("pk")))
    )


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


DECISION_EVENTS = (EventKind.CORRECTION, EventKind.STOP)


def decision_recorded(request: RightsRequest) -> bool:
    """The review form recorded its decision (written just before the move)."""
    return request.events.filter(kind__in=DECISION_EVENTS).exists()


def decision_held(request: RightsRequest) -> bool:
    """A correction or stop decision is recorded, applied here, and waits for the systems
    outside this database (:class:`~rights.connectors.models.HeldDecision`)."""
    return HeldDecision.objects.filter(request=request).exists()


def decision_grants_nothing(request: RightsRequest) -> bool:
    """The review form's decision changed, stopped and replaced nothing: it closes the
    request as rejected. A decision that granted something and waits for systems
    outside this database is never turned into a rejection by hand."""
    event = request.events.filter(kind__in=DECISION_EVENTS).order_by("-pk").first()
    if event is None:
        return False
    outcome = event.details or {}
    return not any(outcome.get(key) for key in ("changed", "stopped", "alternative"))


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


def fee_still_payable(request: RightsRequest) -> bool:
    """A fee awaits payment and its pay-by date, which the person was told, has not passed."""
    return request.payments.filter(
        status=PaymentStatus.PENDING, due_at__gte=timezone.now()
    ).exists()


def fee_paid(request: RightsRequest) -> bool:
    """A fee was paid for the request and not refunded."""
    return request.payments.filter(status=PaymentStatus.PAID).exists()


def automatic_fee_due(request: RightsRequest) -> bool:
    """``RIGHTS_FEE_AUTOMATIC``: a published fee applies to the request and none was
    paid or waived yet, so it goes on only through the fee."""
    if not settings.RIGHTS_FEE_AUTOMATIC:
        return False
    basis = fee_basis_for(request)
    if basis is None or not FeeSchedule.objects.for_request(request, basis):
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


#: Why a kind the law keeps free is never put to "awaiting payment", per regime.
_FREE_KINDS_TOLD = {
    Regime.APPI: gettext_lazy(
        "Correction, stop of use or provision and deletion are always free (APPI art. 38): "
        "no fee is asked."
    ),
    Regime.GDPR: gettext_lazy(
        "Correction, restriction, objection and erasure are free (GDPR art. 12(5)): no fee "
        "is asked; a manifestly unfounded or excessive request is refused on that ground."
    ),
    Regime.CCPA: gettext_lazy(
        "Correction, opt-out and deletion are free under the CCPA: no fee is asked; a "
        "manifestly unfounded or excessive request is refused on that ground."
    ),
}


RULES: tuple[Rule, ...] = (
    # Deletion: completed only by the executor (rights.retention.deletion), as the
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
    # GDPR art. 17(2), 19: an erasure, correction or restriction is complete only once
    # every system outside this database and every recipient told has answered.
    Rule(
        kinds=frozenset({Kind.DELETION}) | DECIDED_KINDS,
        to=DONE_STATUSES,
        holds=lambda request, role: systems_answered(request),
        refusal=gettext_lazy(
            "Systems outside this database have not all answered: wait for them, retry a "
            "failed one, or record why one cannot act."
        ),
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
        holds=lambda request, role: (
            decision_grants_nothing(request) or identity_not_verified(request)
        ),
        refusal=gettext_lazy(
            "Decide this request with its review form, which applies what is approved."
        ),
    ),
    # A decision waiting for the systems outside is final: the request completes with it
    # once they answered (rights.connectors.dispatch.request_finish). Paused, reviewed
    # again or expired, it would never complete, and the decision would be dropped.
    Rule(
        kinds=DECIDED_KINDS,
        from_=frozenset({Status.IN_PROGRESS}),
        to=frozenset(Status.values)
        - DONE_STATUSES
        - {Status.IN_PROGRESS, Status.REJECTED, Status.WITHDRAWN},
        holds=lambda request, role: not decision_held(request),
        refusal=gettext_lazy(
            "The decision is recorded and waits for the systems outside this database: "
            "the request completes with it once they have all answered."
        ),
    ),
    # Fees (APPI 38; GDPR 12(5)): never for a kind the law keeps free, told in the words
    # of the request's own law; the clock pauses only for a fee actually asked, which
    # the unpaid-fee job expires on its date.
    *(
        Rule(
            kinds=frozenset(Kind.values) - CHARGEABLE_KINDS,
            to=frozenset({Status.AWAITING_PAYMENT}),
            holds=lambda request, role, regime=regime: request.regime != regime,
            refusal=told,
        )
        for regime, told in _FREE_KINDS_TOLD.items()
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
    # The person was told the request closes if the fee has not arrived by its date.
    Rule(
        from_=frozenset({Status.AWAITING_PAYMENT}),
        to=frozenset({Status.EXPIRED}),
        holds=lambda request, role: not fee_still_payable(request),
        refusal=gettext_lazy(
            "The fee may still be paid until its pay-by date: the request expires only "
            "after that day."
        ),
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
    # APPI 38, GDPR 12(5): told the fee, the person may decline it and withdraw. Once
    # it is paid, staff withdraw the request on the person's word and decide the refund:
    # a withdrawal by the person would keep the money with no one told of it.
    Rule(
        to=frozenset({Status.WITHDRAWN}),
        holds=lambda request, role: role is Role.STAFF or not fee_paid(request),
        refusal=gettext_lazy(
            "The fee is paid: only staff withdraw the request now, and decide the refund."
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


def refusal(request: RightsRequest, to: str, role: Role) -> str | None:
    """Why ``RULES`` refuse the move of ``request`` to ``to`` by ``role`` now, or None."""
    for rule in RULES:
        if rule.applies(request, to) and not rule.holds(request, role):
            return str(rule.refusal)
    return None
