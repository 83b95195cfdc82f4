"""CCPA: the person confirms directly that they appointed the agent (§7063)."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from portal.kernel import outbox
from portal.kernel.audit import audit_log

from ..models import RightsRequest
from .models import (
    Capacity,
    RequestIdentity,
    VerificationStatus,
)
from .refusal_mail import agent_refused_queue
from .verification import identity_verify, locked_identity

# Stored in signed values: the salt keeps its first name.
_LINK_SALT = "rights.identity.agent-confirmation"


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
    decided identity, it is used up; past its expiry it is expired. A link sent to an
    address that is no longer the matched customer's answers nothing either."""
    if identity.subject_confirmed_at is not None or identity.subject_denied_at is not None:
        return AgentLink.ANSWERED
    if identity.verification != VerificationStatus.PENDING:
        return AgentLink.DECIDED
    if identity.confirmation_email.lower() != subject_address(identity.request).lower():
        return AgentLink.DECIDED
    expires_at = agent_link_expires_at(identity)
    if expires_at is None or (now or timezone.now()) >= expires_at:
        return AgentLink.EXPIRED
    return AgentLink.OPEN


def subject_address(request: RightsRequest) -> str:
    """Where the person themself is reached: the address of the customer the request is
    matched to; empty before the match.

    Never the address the requester wrote for them: an agent could write their own
    and confirm their own authority.
    """
    if request.subject is not None:
        return request.subject.email
    return ""


def agent_confirmation_request(
    *, request: RightsRequest, actor, http_request=None
) -> RequestIdentity:
    """E-mail the person a link to confirm they appointed the agent (CCPA §7063)."""
    with transaction.atomic():
        locked, identity = locked_identity(request)
        if identity.capacity != Capacity.AGENT:
            raise ValidationError(_("Only an appointed agent is confirmed by the person."))
        if identity.verification != VerificationStatus.PENDING:
            raise ValidationError(_("Identity is already decided."))
        address = subject_address(locked)
        if not address:
            raise ValidationError(
                _("Match the customer first: the link goes to the address of their account.")
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
        outbox.enqueue("rights.tasks.send_agent_confirmation", identity.pk)
    return identity


def agent_confirmation_answer(
    *, identity: RequestIdentity, confirmed: bool, http_request=None
) -> RequestIdentity:
    """The person answers the link: confirming verifies the request and moves it on;
    denying is recorded for staff, who are mailed (:mod:`.refusal_mail`) and then
    reject it."""
    with transaction.atomic():
        # The request's row first, then the identity's, as staff verifying or rejecting
        # the identity lock them: in the other order an answer at that moment deadlocked.
        _request, locked = locked_identity(identity.request)
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
        if not confirmed:
            # Staff are told at once: the request waits for them, its clock paused.
            agent_refused_queue(locked.request)
        if confirmed:
            identity_verify(
                request=locked.request,
                actor=None,
                note=_("The person confirmed the agent by the link sent to them."),
                http_request=http_request,
            )
    locked.refresh_from_db()
    return locked
