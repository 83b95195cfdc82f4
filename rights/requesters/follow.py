"""Following a request without an account: which addresses may, the link read back,
and the code that opens the page."""

from __future__ import annotations

from django.core import signing
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from .. import workflow
from ..choices import Status
from ..models import RightsRequest
from ..notifications import recipients_of
from .follow_links import _FOLLOW_SALT, address_digest
from .models import (
    EmailConfirmation,
)
from .public_form import CodeRefused, email_confirmation_verify


def follow_addresses(request: RightsRequest) -> dict[str, bool]:
    """The addresses told about ``request`` that follow it by link (without an account,
    or with one since closed), each with whether it is the requester's (True) or the
    principal's of an agent (False)."""
    # Those told of the outcome: the requester and, for an agent, the person too.
    return {
        r.email.lower(): not r.principal
        for r in recipients_of(request, "completed")
        if r.follows_by_link and r.email
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
        .filter(pk=pk)
        .first()
    )
    if request is None:
        return None
    for email, is_requester in follow_addresses(request).items():
        if constant_time_compare(digest, address_digest(email)):
            return request, email, is_requester
    return None


def follow_confirmation_verify(*, confirmation_id: int, email: str, code: str) -> None:
    """Check the code mailed to ``email`` for the follow page, then use it up."""
    # Not inside a transaction: a wrong code must stay counted when the refusal is raised.
    confirmation = EmailConfirmation.objects.filter(
        pk=confirmation_id, used_at__isnull=True
    ).first()
    # The address is encrypted at rest: compared here, not by the database.
    if confirmation is None or confirmation.email.lower() != email.lower():
        raise CodeRefused(_("Please ask for a new code."))
    email_confirmation_verify(confirmation_id=confirmation.pk, code=code)
    EmailConfirmation.objects.filter(pk=confirmation.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )


def follow_may_withdraw(request: RightsRequest, *, is_requester: bool) -> bool:
    """Whether the address confirmed on the follow page may withdraw ``request`` now: the
    requester's may while the workflow lets a customer withdraw (before work starts, and
    before a fee is paid); the person an agent acted for is only told of the outcome."""
    return is_requester and Status.WITHDRAWN in workflow.allowed_transitions(
        request, None, by_requester=True
    )


def follow_withdraw(*, request: RightsRequest, reason: str = "", http_request=None) -> bool:
    """Withdraw ``request`` for its requester without an account (on the follow page).

    False, changing nothing, when it can no longer be withdrawn (staff moved it on
    meanwhile, or it is closed). A pending fee is cancelled with it; the requester is
    told by e-mail, as for every withdrawal.
    """
    try:
        workflow.transition(
            request,
            to=Status.WITHDRAWN,
            reason=reason or "",
            http_request=http_request,
            by_requester=True,
        )
    except workflow.TransitionError:
        return False
    return True
