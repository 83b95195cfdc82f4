"""Writes for requests without an account and by agents.

Each action does its write, its audit row and its after-commit work in one
transaction; status changes go through :func:`rights.workflow.transition`.
Actions already done return early, so repeating one is harmless.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from portal.kernel import outbox
from portal.kernel.audit import audit_log

from ..choices import Channel, RejectionGround, Status
from ..models import RightsRequest
from ..workflow import transition
from .models import (
    Capacity,
    DestroyedBecause,
    EmailConfirmation,
    IdentityDocument,
    RequestIdentity,
    VerificationStatus,
)

CODE_DIGITS = 6
_CODE_SALT = "rights.identity.email-code"
_LINK_SALT = "rights.identity.agent-confirmation"
_FOLLOW_SALT = "rights.identity.follow"
# After the code is confirmed the form may be sent within this time.
CONFIRMATION_VALID_FOR = dt.timedelta(hours=1)

# Queued by name through the outbox: the tasks (rights.tasks) call this module.
SEND_CODE_TASK = "rights.tasks.send_request_code"
SEND_AGENT_CONFIRMATION_TASK = "rights.tasks.send_agent_confirmation"


# -- the e-mail code of the public form -------------------------------------------------------


def confirmation_code(confirmation: EmailConfirmation) -> str:
    """The code of ``confirmation``, derived from its nonce and the secret key."""
    digest = salted_hmac(_CODE_SALT, confirmation.nonce, algorithm="sha256").digest()
    number = int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS
    return f"{number:0{CODE_DIGITS}d}"


def email_confirmation_start(*, email: str, language: str) -> EmailConfirmation:
    """Open a confirmation for ``email`` and mail its code after commit."""
    now = timezone.now()
    with transaction.atomic():
        confirmation = EmailConfirmation.objects.create(
            email=email.strip(),
            nonce=secrets.token_hex(32),
            language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.OTP_EMAIL_TOKEN_VALIDITY),
        )
        outbox.enqueue(SEND_CODE_TASK, confirmation.pk)
    return confirmation


class CodeRefused(Exception):
    """The code was wrong, expired or used up; the message says which."""


def email_confirmation_verify(*, confirmation_id: int, code: str) -> EmailConfirmation:
    """Check ``code``; the row is locked so two tries at once count twice.

    After ``OTP_FREE_ATTEMPTS`` wrong codes the confirmation is dead and the
    person asks for a new code (the start step is rate-limited).
    """
    refused = None
    with transaction.atomic():
        confirmation = (
            EmailConfirmation.objects.select_for_update().filter(pk=confirmation_id).first()
        )
        if confirmation is None or confirmation.used_at is not None:
            raise CodeRefused(_("Please ask for a new code."))
        if confirmation.confirmed_at is not None:
            return confirmation
        if confirmation.failed_attempts >= settings.OTP_FREE_ATTEMPTS:
            raise CodeRefused(_("Too many wrong codes. Please ask for a new code."))
        if timezone.now() > confirmation.expires_at:
            raise CodeRefused(_("The code has expired. Please ask for a new code."))
        if constant_time_compare((code or "").strip(), confirmation_code(confirmation)):
            confirmation.confirmed_at = timezone.now()
            confirmation.save(update_fields=["confirmed_at"])
            return confirmation
        # The failure is counted (committed) before the refusal is raised.
        confirmation.failed_attempts += 1
        confirmation.save(update_fields=["failed_attempts"])
        if confirmation.failed_attempts >= settings.OTP_FREE_ATTEMPTS:
            refused = _("Too many wrong codes. Please ask for a new code.")
        else:
            refused = _("The code is not correct. Please check it and try again.")
    raise CodeRefused(refused)


def usable_confirmation(confirmation_id) -> EmailConfirmation | None:
    """The confirmed, unused confirmation a form may be filed with, or None."""
    if not confirmation_id:
        return None
    return EmailConfirmation.objects.filter(
        pk=confirmation_id,
        confirmed_at__gte=timezone.now() - CONFIRMATION_VALID_FOR,
        used_at__isnull=True,
    ).first()


# -- filing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A checked upload: the file, its kind of document and the type found in its bytes."""

    kind: str
    file: object
    content_type: str


@dataclass(frozen=True)
class Person:
    """The person a request is about, as the requester describes them."""

    name: str
    email: str = ""
    phone: str = ""
    date_of_birth: dt.date | None = None


@dataclass(frozen=True)
class Requester:
    capacity: str
    email: str
    language: str
    name: str = ""
    phone: str = ""
    email_confirmed_at: dt.datetime | None = None


def _documents_add(request: RightsRequest, uploads: list[Upload]) -> list[IdentityDocument]:
    documents = []
    for upload in uploads:
        document = IdentityDocument(
            request=request,
            kind=upload.kind,
            original_name=(upload.file.name or "")[:200],
            content_type=upload.content_type,
            size=upload.file.size,
        )
        document.file.save(upload.file.name or "document", upload.file, save=False)
        document.save()
        documents.append(document)
    return documents


def identity_request_file(
    *,
    kind: str,
    requester: Requester,
    person: Person,
    uploads: list[Upload],
    details: str = "",
    delivery_method: str = "",
    categories: list[str] | None = None,
    scope: dict | None = None,
    channel: str | None = None,
    regime: str | None = None,
    received_at: dt.datetime | None = None,
    account=None,
    subject=None,
    actor=None,
    http_request=None,
) -> RightsRequest:
    """File a request with its identity and documents; it then awaits verification.

    ``categories`` and ``scope`` say what a deletion or a stop covers, as on the
    customer's own forms (see ``rights.forms``).

    ``account`` is the requester's own account when they were logged in with
    the confirmed address (they then follow the request in the portal);
    ``subject`` the customer when staff already know who it is about.
    """
    from ..services import request_submit

    if channel is None:
        channel = Channel.PORTAL if requester.capacity == Capacity.SELF else Channel.AGENT
    with transaction.atomic():
        request = request_submit(
            subject=subject,
            requester=account,
            kind=kind,
            categories=categories,
            scope=scope,
            details=details,
            delivery_method=delivery_method,
            channel=channel,
            regime=regime,
            received_at=received_at,
            actor=actor or account,
            http_request=http_request,
        )
        RequestIdentity.objects.create(
            request=request,
            capacity=requester.capacity,
            requester_name=requester.name,
            requester_email=requester.email,
            requester_phone=requester.phone,
            requester_language=requester.language,
            email_confirmed_at=requester.email_confirmed_at,
            subject_name=person.name,
            subject_email=person.email,
            subject_phone=person.phone,
            subject_date_of_birth=person.date_of_birth,
            documents_consent_at=timezone.now() if uploads else None,
        )
        documents = _documents_add(request, uploads)
        audit_log(
            action="identity.documents_received",
            actor=actor or account,
            target=request,
            subject=subject,
            request=http_request,
            details={"kinds": sorted(d.kind for d in documents), "capacity": requester.capacity},
        )
        transition(
            request,
            to=Status.AWAITING_VERIFICATION,
            actor=actor,
            http_request=http_request,
            notice_extra={"documents": bool(documents)},
        )
    return request


def public_request_file(
    *, confirmation_id: int, account=None, http_request=None, **kwargs
) -> RightsRequest:
    """File the public form once per confirmed address: the confirmation is used up."""
    with transaction.atomic():
        confirmation = (
            EmailConfirmation.objects.select_for_update()
            .filter(
                pk=confirmation_id,
                confirmed_at__gte=timezone.now() - CONFIRMATION_VALID_FOR,
                used_at__isnull=True,
            )
            .first()
        )
        if confirmation is None:
            raise ValidationError(
                _("Your e-mail confirmation has expired. Please confirm your address again.")
            )
        requester = kwargs.pop("requester")
        requester = Requester(
            capacity=requester.capacity,
            email=confirmation.email,
            language=requester.language,
            name=requester.name,
            phone=requester.phone,
            email_confirmed_at=confirmation.confirmed_at,
        )
        if account is not None and account.email.lower() != confirmation.email.lower():
            account = None
        request = identity_request_file(
            requester=requester, account=account, http_request=http_request, **kwargs
        )
        confirmation.used_at = timezone.now()
        confirmation.save(update_fields=["used_at"])
    return request


# -- staff: matching, documents, decision ------------------------------------------------


def _locked_identity(request: RightsRequest) -> tuple[RightsRequest, RequestIdentity]:
    locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
    identity = RequestIdentity.objects.select_for_update().filter(request=locked).first()
    if identity is None:
        raise ValidationError(_("This request has no identity to check."))
    return locked, identity


def identity_match_subject(
    *, request: RightsRequest, subject, actor, http_request=None
) -> RightsRequest:
    """Record which customer the request is about (found by the registry search)."""
    with transaction.atomic():
        locked, identity = _locked_identity(request)
        if identity.verification != VerificationStatus.PENDING:
            raise ValidationError(_("Identity is already decided; the match cannot change now."))
        if subject is not None and subject.pk == actor.pk:
            raise ValidationError(_("Staff may not process a request about themselves."))
        if locked.subject_id == (subject.pk if subject else None):
            return locked
        locked.subject = subject
        locked.save(update_fields=["subject"])
        audit_log(
            action="identity.subject_matched",
            actor=actor,
            target=locked,
            subject=subject,
            request=http_request,
            details={"matched": subject is not None},
        )
    request.refresh_from_db()
    return request


def identity_verify(
    *, request: RightsRequest, actor, note: str = "", http_request=None
) -> RightsRequest:
    """Identity and authority are verified: the request joins the normal workflow.

    ``actor`` None is the person's own confirmation of their agent.
    """
    with transaction.atomic():
        locked, identity = _locked_identity(request)
        if identity.verification == VerificationStatus.VERIFIED:
            return locked
        if identity.verification != VerificationStatus.PENDING:
            raise ValidationError(_("Identity was already found not verified."))
        if identity.subject_denied_at is not None:
            raise ValidationError(
                _("The person said they did not appoint this agent; it cannot be verified.")
            )
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
            details={"capacity": identity.capacity, "by_person": actor is None},
        )
        if locked.status == Status.AWAITING_VERIFICATION:
            transition(locked, to=Status.IN_REVIEW, actor=actor, http_request=http_request)
    request.refresh_from_db()
    return request


def identity_reject(
    *, request: RightsRequest, actor, note: str, http_request=None
) -> RightsRequest:
    """Identity or authority could not be confirmed: the request is rejected with the reason
    (``note``), which the requester is told (APPI Art. 37, GDPR 12(6))."""
    reason = (note or "").strip()
    if not reason:
        raise ValidationError(_("Please give a reason; the requester will be told it."))
    with transaction.atomic():
        locked, identity = _locked_identity(request)
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


DESTROYED_FIELDS = [
    "file",
    "original_name",
    "content_type",
    "size",
    "destroyed_at",
    "destroyed_because",
    "destroyed_by",
]


def document_destroy(
    document: IdentityDocument, *, because: str, by=None, now: dt.datetime | None = None
) -> None:
    """Delete the file of a locked document; the row keeps its kind and when, why and by
    whom the file went. Call inside the transaction that locked it: the file is removed
    after commit, so a rolled-back transaction loses nothing."""
    name, storage = document.file.name, document.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
    document.file = ""
    document.original_name = ""
    document.content_type = ""
    document.size = 0
    document.destroyed_at = now or timezone.now()
    document.destroyed_because = because
    document.destroyed_by = by
    document.save(update_fields=DESTROYED_FIELDS)


def document_destroy_my_number(
    *, document: IdentityDocument, actor, http_request=None
) -> IdentityDocument:
    """The document shows an individual number: delete the file at once (My Number Act
    art. 20); the row keeps only that it was destroyed, when and by whom."""
    with transaction.atomic():
        locked = IdentityDocument.objects.select_for_update().get(pk=document.pk)
        if locked.is_destroyed:
            return locked
        document_destroy(locked, because=DestroyedBecause.MY_NUMBER, by=actor)
        audit_log(
            action="identity.my_number_destroyed",
            actor=actor,
            target=locked,
            subject=locked.request.subject,
            request=http_request,
            details={"kind": locked.kind},
        )
    return locked


# -- CCPA: the person confirms the agent directly --------------------------------------------


def confirmation_token(identity: RequestIdentity) -> str:
    """The token of the person's confirmation link: the request id and an HMAC of the nonce."""
    mac = salted_hmac(_LINK_SALT, identity.confirmation_nonce, algorithm="sha256").hexdigest()
    return f"{identity.pk}-{mac[:40]}"


def identity_for_token(token: str) -> RequestIdentity | None:
    """The identity whose latest confirmation link carries ``token``, or None.

    The link stays recognisable after it is answered, expired or the request was
    decided, so it can say which; :func:`agent_link_state` tells them apart.
    """
    pk, _sep, mac = (token or "").partition("-")
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses, and a number
    # beyond the id column would only reach the database to fail there.
    if not re.fullmatch(r"[0-9]{1,18}", pk) or not mac:
        return None
    identity = (
        RequestIdentity.objects.select_related("request")
        .filter(pk=int(pk))
        .exclude(confirmation_nonce="")
        .first()
    )
    if identity is None or not constant_time_compare(token, confirmation_token(identity)):
        return None
    return identity


class AgentLink:
    """What a confirmation link can still do (see :func:`agent_link_state`)."""

    OPEN = "open"
    ANSWERED = "answered"
    DECIDED = "decided"
    EXPIRED = "expired"


def agent_link_expires_at(identity: RequestIdentity):
    """When the person's confirmation link stops working: ``RIGHTS_AGENT_LINK_DAYS`` after
    it was sent."""
    if identity.confirmation_requested_at is None:
        return None
    return identity.confirmation_requested_at + dt.timedelta(days=settings.RIGHTS_AGENT_LINK_DAYS)


def agent_link_state(identity: RequestIdentity, *, now=None) -> str:
    """Whether the link may still be answered: once answered (yes or no), or once staff
    decided identity, it is used up; past its expiry it is expired."""
    if identity.subject_confirmed_at is not None or identity.subject_denied_at is not None:
        return AgentLink.ANSWERED
    if identity.verification != VerificationStatus.PENDING:
        return AgentLink.DECIDED
    expires_at = agent_link_expires_at(identity)
    if expires_at is None or (now or timezone.now()) >= expires_at:
        return AgentLink.EXPIRED
    return AgentLink.OPEN


def subject_address(request: RightsRequest, identity: RequestIdentity) -> str:
    """Where the person themself is reached: their account, else the address given."""
    if request.subject is not None:
        return request.subject.email
    return identity.subject_email


def agent_confirmation_request(
    *, request: RightsRequest, actor, http_request=None
) -> RequestIdentity:
    """E-mail the person a link to confirm they appointed the agent (CCPA §7063)."""
    with transaction.atomic():
        locked, identity = _locked_identity(request)
        if identity.capacity != Capacity.AGENT:
            raise ValidationError(_("Only an appointed agent is confirmed by the person."))
        if identity.verification != VerificationStatus.PENDING:
            raise ValidationError(_("Identity is already decided."))
        address = subject_address(locked, identity)
        if not address:
            raise ValidationError(
                _("We have no e-mail address of the person: match the customer first.")
            )
        identity.confirmation_nonce = secrets.token_hex(32)
        identity.confirmation_requested_at = timezone.now()
        identity.confirmation_email = address
        identity.subject_denied_at = None
        identity.save()
        audit_log(
            action="identity.agent_confirmation_requested",
            actor=actor,
            target=locked,
            subject=locked.subject,
            request=http_request,
        )
        outbox.enqueue(SEND_AGENT_CONFIRMATION_TASK, identity.pk)
    return identity


def agent_confirmation_answer(
    *, identity: RequestIdentity, confirmed: bool, http_request=None
) -> RequestIdentity:
    """The person answers the link: confirming verifies the request and moves it on;
    denying is recorded for staff, who then reject it."""
    with transaction.atomic():
        locked = RequestIdentity.objects.select_for_update().get(pk=identity.pk)
        # The link answers once, while it is open and is still the latest one sent; a
        # used, expired or replaced link changes nothing.
        if (
            locked.confirmation_nonce != identity.confirmation_nonce
            or agent_link_state(locked) != AgentLink.OPEN
        ):
            return locked
        now = timezone.now()
        if confirmed:
            locked.subject_confirmed_at = now
        else:
            locked.subject_denied_at = now
        # The nonce is kept: the used link still says it was answered.
        locked.save()
        audit_log(
            action="identity.agent_confirmed" if confirmed else "identity.agent_denied",
            target=locked.request,
            subject=locked.request.subject,
            request=http_request,
        )
        if confirmed:
            identity_verify(
                request=locked.request,
                actor=None,
                note=_("The person confirmed the agent by the link sent to them."),
                http_request=http_request,
            )
    locked.refresh_from_db()
    return locked


# -- following a request without an account ---------------------------------------------------


def _address_digest(email: str) -> str:
    return salted_hmac(_FOLLOW_SALT, email.strip().lower(), algorithm="sha256").hexdigest()[:32]


def follow_token(request: RightsRequest, email: str) -> str:
    """The token of the follow link of ``request`` for the address ``email``: signed, and
    carrying a digest of the address rather than the address, so a link shows none."""
    return signing.dumps({"r": request.pk, "e": _address_digest(email)}, salt=_FOLLOW_SALT)


def follow_addresses(request: RightsRequest) -> dict[str, bool]:
    """The addresses without an account that are told about ``request``, each with
    whether it is the requester's (True) or the principal's of an agent (False)."""
    from ..notifications import recipients_of

    identity = getattr(request, "identity", None)
    requester = (identity.requester_email or "").lower() if identity else ""
    # Those told of the outcome: the requester and, for an agent, the person too.
    return {
        r.email.lower(): r.email.lower() == requester
        for r in recipients_of(request, "completed")
        if not r.has_account and r.email
    }


def request_for_follow_token(token: str) -> tuple[RightsRequest, str, bool] | None:
    """The request and address a follow link's ``token`` stands for, and whether the
    address is the requester's (else the principal's of an agent); None when the token
    is tampered with or the address is no longer told about the request."""
    try:
        data = signing.loads(token or "", salt=_FOLLOW_SALT)
        pk, digest = int(data["r"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    request = (
        RightsRequest.objects.select_related("identity", "subject", "requester")
        .filter(pk=pk, identity__isnull=False)
        .first()
    )
    if request is None:
        return None
    for email, is_requester in follow_addresses(request).items():
        if constant_time_compare(digest, _address_digest(email)):
            return request, email, is_requester
    return None


def follow_confirmation_verify(*, confirmation_id: int, email: str, code: str) -> None:
    """Check the code mailed to ``email`` for the follow page, then use it up."""
    # Not inside a transaction: a wrong code must stay counted when the refusal is raised.
    confirmation = EmailConfirmation.objects.filter(
        pk=confirmation_id, email__iexact=email, used_at__isnull=True
    ).first()
    if confirmation is None:
        raise CodeRefused(_("Please ask for a new code."))
    email_confirmation_verify(confirmation_id=confirmation.pk, code=code)
    EmailConfirmation.objects.filter(pk=confirmation.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )


# -- staff-entered requests ------------------------------------------------------------------


def staff_request_enter(
    *,
    subject,
    kind: str,
    channel: str,
    received_on: dt.date,
    regime: str,
    details: str = "",
    delivery_method: str = "",
    categories: list[str] | None = None,
    scope: dict | None = None,
    needs_verification: bool = False,
    requester: Requester | None = None,
    person: Person | None = None,
    uploads: list[Upload] | None = None,
    actor,
    http_request=None,
) -> RightsRequest:
    """A request received by letter, phone or in person, entered by staff.

    The deadline counts from ``received_on`` (noon that day in the portal's
    time zone). With ``needs_verification`` (or a requester acting for the
    person) it waits for verification like a request from the public form.
    """
    from ..services import request_submit

    if channel not in (Channel.MAIL, Channel.PHONE, Channel.IN_PERSON):
        raise ValidationError(_("Choose how the request arrived: letter, phone or in person."))
    if received_on > timezone.localdate():
        raise ValidationError(_("The date received cannot be in the future."))
    if subject is not None and subject.pk == actor.pk:
        raise ValidationError(_("Staff may not process a request about themselves."))
    received_at = timezone.make_aware(dt.datetime.combine(received_on, dt.time(12)))
    received_at = min(received_at, timezone.now())
    if requester is not None or needs_verification:
        requester = requester or Requester(
            capacity=Capacity.SELF,
            email=subject.email if subject else "",
            language=subject.language if subject else settings.LANGUAGE_CODE,
        )
        if person is None:
            profile = getattr(subject, "profile", None)
            person = Person(name=profile.full_name if profile else "", email=subject.email)
        return identity_request_file(
            kind=kind,
            requester=requester,
            person=person,
            uploads=uploads or [],
            details=details,
            delivery_method=delivery_method,
            categories=categories,
            scope=scope,
            channel=channel,
            received_at=received_at,
            subject=subject,
            account=subject,
            actor=actor,
            http_request=http_request,
            regime=regime,
        )
    return request_submit(
        subject=subject,
        requester=subject,
        kind=kind,
        categories=categories,
        scope=scope,
        details=details,
        delivery_method=delivery_method,
        channel=channel,
        regime=regime,
        received_at=received_at,
        actor=actor,
        http_request=http_request,
    )
