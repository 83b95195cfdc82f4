"""The page where the person an appointed agent acted for answers whether they
appointed the agent (CCPA §7063), reached by the link mailed to their account's address.
Every state the link can be in names the privacy office and how to reach it, so that an
answer given by mistake can be put right."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .agents import (
    AgentLink,
    agent_confirmation_answer,
    agent_link_expires_at,
    agent_link_state,
    identity_for_token,
)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_agent(request, token):
    """The person answers whether they appointed the agent (CCPA §7063).

    The link answers once and for ``RIGHTS_AGENT_LINK_DAYS``: a used link says what was
    answered, an expired one what to do next; neither changes anything.
    """
    identity = identity_for_token(token)
    if identity is None:
        return render(
            request,
            "rights/public/confirm_agent.html",
            {"invalid": True, **_privacy_office()},
            status=404,
        )
    state = agent_link_state(identity)
    context = {
        "identity": identity,
        "req": identity.request,
        "expires_at": agent_link_expires_at(identity),
    }
    if state == AgentLink.ANSWERED:
        return render(
            request,
            "rights/public/confirm_agent.html",
            {**context, "used": True, **_privacy_office()},
            status=410,
        )
    if state == AgentLink.DECIDED:
        return render(
            request,
            "rights/public/confirm_agent.html",
            {"invalid": True, **_privacy_office()},
            status=410,
        )
    if state == AgentLink.EXPIRED:
        return render(
            request,
            "rights/public/confirm_agent.html",
            {**context, "expired": True, **_privacy_office()},
            status=410,
        )
    answer = request.POST.get("answer") if request.method == "POST" else None
    if answer in ("yes", "no"):
        confirmed = answer == "yes"
        answered = agent_confirmation_answer(
            identity=identity, confirmed=confirmed, http_request=request
        )
        recorded = answered.subject_confirmed_at if confirmed else answered.subject_denied_at
        if recorded is None:
            # Answered otherwise a moment before (another tab), or expired meanwhile.
            return confirm_agent(request, token)
        return render(
            request,
            "rights/public/confirm_agent.html",
            {"answered": True, "confirmed": confirmed, "req": identity.request},
        )
    return render(
        request,
        "rights/public/confirm_agent.html",
        {**context, "unanswered": request.method == "POST"},
    )


def _privacy_office() -> dict:
    return {
        "office_email": settings.PRIVACY_OFFICE_EMAIL,
        "office_phone": settings.PRIVACY_OFFICE_PHONE,
    }
