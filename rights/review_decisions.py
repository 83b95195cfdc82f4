"""What correction and stop decisions share: which request may be decided, and
how a decision ends it.

A decision is one transaction: lock the request, write what was approved (a
registry correction, a processing restriction), record the timeline event
with what changed, then move the request through :func:`rights.workflow.transition`
to completed, partially completed or rejected, whose notice tells the person.
Any refusal on the way rolls the whole decision back.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.kernel.audit import audit_log

from . import workflow
from .choices import RejectionGround, Status
from .connectors.planning import decision_followups
from .models import RequestEvent, RightsRequest
from .transition_rules import decision_recorded

#: A decision closes the request from these statuses (see the transition table).
DECIDABLE = (Status.IN_REVIEW, Status.IN_PROGRESS)


def lock_for_decision(request: RightsRequest, kinds) -> RightsRequest:
    """The request, locked, when it is of one of ``kinds`` and awaits a decision.

    ValidationError otherwise; must be called inside a transaction.
    """
    locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
    check_decidable(locked, kinds)
    return locked


def check_decidable(request: RightsRequest, kinds) -> None:
    """ValidationError unless ``request`` is of one of ``kinds`` and awaits a decision."""
    if request.kind not in kinds:
        raise ValidationError(_("This request is not of a kind decided here."))
    if not request.is_open:
        raise ValidationError(
            _("This request is closed (%(status)s): it can no longer be decided.")
            % {"status": Status(request.status).label}
        )
    if request.status not in DECIDABLE:
        raise ValidationError(
            _("A request that is “%(status)s” cannot be decided; move it to review first.")
            % {"status": Status(request.status).label}
        )
    if request.subject_id is None:
        raise ValidationError(_("The request is not matched to a customer yet."))
    if decision_recorded(request):
        raise ValidationError(
            _(
                "This request is already decided; it is completed once every system "
                "outside this database has answered."
            )
        )


def outcome_status(*, granted: int, total: int) -> str:
    """Completed when everything asked was granted, rejected when nothing was."""
    if granted == 0:
        return Status.REJECTED
    return Status.COMPLETED if granted == total else Status.PARTIALLY_COMPLETED


def check_reason(*, kind: str, regime: str, to: str, reason: str, ground: str) -> None:
    """The reason (and, to reject, the ground) the person must be told; before any write."""
    if to in (Status.REJECTED, Status.PARTIALLY_COMPLETED) and not reason.strip():
        raise ValidationError(
            _("Say why the rest is not done; the requester is told the reason.")
            if to == Status.PARTIALLY_COMPLETED
            else _("Please give a reason; the requester will be told it.")
        )
    if to == Status.REJECTED and ground not in RejectionGround.values:
        raise ValidationError(_("Choose the legal ground of the rejection."))
    if ground and ground not in RejectionGround.values:
        raise ValidationError(_("Unknown legal ground."))
    refused = ground and workflow.ground_refused(kind, regime, ground)
    if refused:
        raise ValidationError(refused)


def finish(
    locked: RightsRequest,
    *,
    to: str,
    actor,
    reason: str,
    ground: str,
    event_kind: str,
    outcome: dict,
    audit_action: str,
    audit_details: dict,
    http_request=None,
) -> None:
    """Record the decision on the timeline (with ``outcome``: what changed and
    what did not), audit it (``audit_details``: names, never values) and move
    the request on; the notice carries ``outcome``. Inside the decision's
    transaction."""
    RequestEvent.objects.create(
        request=locked, kind=event_kind, actor=actor, reason=reason.strip(), details=outcome
    )
    audit_log(
        action=audit_action,
        actor=actor,
        target=locked,
        subject=locked.subject,
        request=http_request,
        details=audit_details,
    )
    if to != Status.REJECTED and decision_followups(
        locked, to=to, reason=reason.strip(), ground=ground, outcome=outcome
    ):
        # Systems outside this database act first (GDPR art. 19); the request is
        # completed with this decision once they all answered.
        to = Status.IN_PROGRESS
        if locked.status == to:
            return
    try:
        workflow.transition(
            locked,
            to=to,
            actor=actor,
            reason=reason.strip(),
            ground=ground,
            http_request=http_request,
            notice_extra={"outcome": outcome},
        )
    except workflow.TransitionError as error:
        raise ValidationError(str(error)) from error
