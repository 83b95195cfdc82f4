"""Staff's identity decision on a request: match the customer, verify or reject.

Status changes go through :func:`rights.workflow.transition`; a decision
already made returns early.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.kernel.audit import audit_log
from portal.kernel.dates import AGE_OF_MAJORITY, age_on
from portal.kernel.wording import sentences

from ..choices import Regime, RejectionGround, Status
from ..models import RightsRequest
from ..workflow import transition
from .matching import (
    DETAILS,
    DETAILS_NEEDED,
    DETAILS_NEEDED_FOR_PIECES,
    details_named,
    disputed_details,
    matched_details,
    needs_declaration,
)
from .models import (
    Capacity,
    RequestIdentity,
    VerificationStatus,
)


def locked_identity(request: RightsRequest) -> tuple[RightsRequest, RequestIdentity]:
    locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
    identity = RequestIdentity.objects.select_for_update().filter(request=locked).first()
    if identity is None:
        raise ValidationError(_("This request has no identity to check."))
    return locked, identity


def _match_reason(identity: RequestIdentity, subject, reason: str) -> tuple[list[str], str]:
    """(details matched, reason) of matching ``subject``: a match on fewer details than
    :data:`~.matching.DETAILS_NEEDED` needs the reason (CCPA §7062(a))."""
    if subject is None:
        return [], ""
    details = matched_details(identity, subject)
    reason = (reason or "").strip()
    if len(reason) > RequestIdentity._meta.get_field("match_note").max_length:
        raise ValidationError(_("Keep the reason under 1,000 characters."))
    if len(details) < DETAILS_NEEDED and not reason:
        message = _too_few_details(details, identity.request.regime)
        disputed = disputed_details(identity)
        if disputed:
            message = sentences(
                [
                    message,
                    _(
                        "Details the correction says are wrong do not count (%(details)s): a "
                        "correction is verified with other data."
                    )
                    % {"details": details_named(sorted(disputed, key=list(DETAILS).index))},
                ]
            )
        raise ValidationError(message)
    return details, reason


def _too_few_details(details: list[str], regime: str) -> str:
    """Why a match on ``details`` needs a reason, citing CCPA §7062 on a CCPA request
    only: under the APPI and the GDPR two details are the company's own procedure."""
    if regime == Regime.CCPA:
        if details:
            text = _(
                "Only one detail matches this customer (%(details)s). Matching needs two "
                "details (CCPA §7062): to match anyway, say what else shows this is the "
                "person."
            )
            return text % {"details": details_named(details)}
        return _(
            "None of the details given matches this customer. Matching needs two details "
            "(CCPA §7062): to match anyway, say what else shows this is the person."
        )
    if details:
        text = _(
            "Only one detail matches this customer (%(details)s). Matching needs two "
            "details: to match anyway, say what else shows this is the person."
        )
        return text % {"details": details_named(details)}
    return _(
        "None of the details given matches this customer. Matching needs two details: to "
        "match anyway, say what else shows this is the person."
    )


def identity_match_subject(
    *, request: RightsRequest, subject, actor, reason: str = "", http_request=None
) -> RightsRequest:
    """Record which customer the request is about (found by the registry search), and
    which of the details the requester gave matched them.

    ``reason`` says what else confirms the person when fewer than two details match;
    without it such a match is refused (CCPA §7062(a); APPI art. 37; GDPR art. 12(6)).
    """
    with transaction.atomic():
        locked, identity = locked_identity(request)
        if identity.verification != VerificationStatus.PENDING:
            raise ValidationError(_("Identity is already decided; the match cannot change now."))
        if subject is not None and subject.pk == actor.pk:
            raise ValidationError(_("Staff may not process a request about themselves."))
        if locked.subject_id == (subject.pk if subject else None):
            return locked
        details, reason = _match_reason(identity, subject, reason)
        locked.subject = subject
        locked.save(update_fields=["subject"])
        locked.note_registered_services()
        identity.match_details, identity.match_note = details, reason
        identity.save(update_fields=["match_details", "match_note"])
        if identity.confirmation_nonce and identity.subject_denied_at is None:
            # A link sent to the customer matched before no longer answers for this one.
            identity.confirmation_nonce = ""
            identity.confirmation_requested_at = None
            identity.confirmation_email = ""
            identity.save(
                update_fields=[
                    "confirmation_nonce",
                    "confirmation_requested_at",
                    "confirmation_email",
                ]
            )
        audit_log(
            action="identity.subject_matched",
            actor=actor,
            target=locked,
            subject=subject,
            request=http_request,
            # That a reason was given, never its words: they may name the person.
            details={"matched": subject is not None}
            | ({"details_matched": details, "reason_given": bool(reason)} if subject else {}),
        )
    request.refresh_from_db()
    return request


def represented_minor_age(identity: RequestIdentity | None, request) -> int | None:
    """The age today of the person a parent acts for (APPI art. 37: a parent represents
    a minor only), from the matched customer's date of birth, else from the one the parent
    gave; None for other capacities or when no date is known."""
    if identity is None or identity.capacity != Capacity.PARENT:
        return None
    profile = getattr(request.subject, "profile", None) if request.subject_id else None
    born = getattr(profile, "date_of_birth", None) or identity.subject_date_of_birth
    return age_on(born, timezone.localdate()) if born else None


def identity_verify(
    *,
    request: RightsRequest,
    actor,
    note: str = "",
    no_customer: bool = False,
    declaration: bool = False,
    http_request=None,
) -> RightsRequest:
    """Identity and authority are verified: the request joins the normal workflow.

    ``actor`` None is the person's own confirmation of their agent. A request not
    matched to a customer is verified only with ``no_customer``: staff state that
    no customer matches, and the answer will be that we hold no data about the
    person (APPI art. 33(1)). ``declaration``: staff received the consumer's declaration
    signed under penalty of perjury, which a request for the specific pieces needs with
    three matched details (CCPA §7062(c), :func:`~.matching.needs_declaration`).
    """
    with transaction.atomic():
        locked, identity = locked_identity(request)
        if identity.verification == VerificationStatus.VERIFIED:
            return locked
        if identity.verification != VerificationStatus.PENDING:
            raise ValidationError(_("Identity was already found not verified."))
        if locked.subject_id is None and not (no_customer and actor is not None):
            raise ValidationError(
                _(
                    "Match the customer first, or tick that no customer matches: the "
                    "person would be told that we hold no data about them."
                )
            )
        if identity.subject_denied_at is not None:
            raise ValidationError(
                _("The person said they did not appoint this agent; it cannot be verified.")
            )
        age = represented_minor_age(identity, locked)
        if age is not None and age >= AGE_OF_MAJORITY:
            # APPI art. 37: a parent represents a minor only.
            raise ValidationError(
                _(
                    "The person has come of age: a parent no longer acts for them (APPI "
                    "art. 37). Ask for a letter of attorney they sign, or reject the request."
                )
            )
        declaration = declaration and needs_declaration(locked, identity)
        if locked.subject_id is not None and needs_declaration(locked, identity):
            _check_specific_pieces(identity, declaration)
        identity.declaration_signed = declaration
        identity.verification = VerificationStatus.VERIFIED
        identity.decided_at = timezone.now()
        identity.decided_by = actor
        identity.decision_note = (note or "").strip()
        identity.save()
        audit_log(
            action="identity.verified",
            actor=actor,
            target=locked,
            subject=locked.subject,
            request=http_request,
            details={
                "capacity": identity.capacity,
                "by_person": actor is None,
                "no_customer": locked.subject_id is None,
                "declaration": declaration,
            },
        )
        if locked.status == Status.AWAITING_VERIFICATION:
            transition(locked, to=Status.IN_REVIEW, actor=actor, http_request=http_request)
    request.refresh_from_db()
    return request


def _check_specific_pieces(identity: RequestIdentity, declaration: bool) -> None:
    """CCPA §7062(c): three matched details and the signed declaration, else refused."""
    if len(identity.match_details) < DETAILS_NEEDED_FOR_PIECES:
        raise ValidationError(
            _(
                "The specific pieces of personal information need three matching details "
                "(CCPA §7062(c)); %(count)s match. Ask the requester for more, or reject "
                "the request."
            )
            % {"count": len(identity.match_details)}
        )
    if not declaration:
        raise ValidationError(
            _(
                "The specific pieces of personal information need the consumer's "
                "declaration signed under penalty of perjury (CCPA §7062(c)): ask for it, "
                "and tick that it was received."
            )
        )


def rejection_reason(note: str) -> str:
    """The reason of a "not verified" decision: required, since the requester is told it."""
    reason = (note or "").strip()
    if not reason:
        raise ValidationError(_("Please give a reason; the requester will be told it."))
    return reason


def identity_reject(
    *, request: RightsRequest, actor, note: str, http_request=None
) -> RightsRequest:
    """Identity or authority could not be confirmed: the request is rejected with the reason
    (``note``), which the requester is told (APPI Art. 37, GDPR 12(6))."""
    reason = rejection_reason(note)
    with transaction.atomic():
        locked, identity = locked_identity(request)
        if identity.verification == VerificationStatus.NOT_VERIFIED:
            return locked
        if identity.verification != VerificationStatus.PENDING:
            raise ValidationError(_("Identity was already verified."))
        identity.verification = VerificationStatus.NOT_VERIFIED
        identity.decided_at = timezone.now()
        identity.decided_by = actor
        identity.decision_note = reason
        identity.save()
        audit_log(
            action="identity.not_verified",
            actor=actor,
            target=locked,
            subject=locked.subject,
            request=http_request,
            details={"capacity": identity.capacity},
        )
        transition(
            locked,
            to=Status.REJECTED,
            actor=actor,
            reason=reason,
            ground=RejectionGround.IDENTITY,
            http_request=http_request,
        )
    request.refresh_from_db()
    return request
