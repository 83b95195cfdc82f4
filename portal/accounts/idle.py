"""The warning before the idle logout (WCAG 2.1 SC 2.2.1 Timing Adjustable).

``SessionSecurityMiddleware`` ends a session left idle for ``SESSION_IDLE_TIMEOUT``
seconds. Every page of a logged-in customer carries a dialog (includes/idle_warning.html,
js/idle-warning.js) that opens ``IDLE_WARNING_SECONDS`` before that end; its "Stay
logged in" posts here and starts the idle time again without leaving the page, so
what the customer typed stays where it is.
"""

from __future__ import annotations

import time

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.kernel.middleware import LAST_SEEN_KEY, idle_timeout_for

#: The warning opens this long before the logout: time to read it and answer
#: (SC 2.2.1 asks for at least 20 seconds).
IDLE_WARNING_SECONDS = 120


def idle_seconds_left(request: HttpRequest) -> int | None:
    """Seconds before the session of ``request`` ends for inactivity; None when it
    never does (no user, no limit)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    session = getattr(request, "session", None)
    if session is None:  # rendered without the session middleware
        return None
    limit = idle_timeout_for(user)
    last_seen = session.get(LAST_SEEN_KEY)
    if not limit or last_seen is None:
        return None
    return max(0, int(limit - (time.time() - float(last_seen))))


def idle_warning(request: HttpRequest) -> dict:
    """Context processor: what the idle warning of the page needs."""
    left = idle_seconds_left(request)
    if left is None:
        return {}
    return {
        "idle_seconds_left": left,
        "idle_warning_seconds": IDLE_WARNING_SECONDS,
        "idle_warning_minutes": IDLE_WARNING_SECONDS // 60,
    }


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@never_cache
@require_POST
def session_keep(request: HttpRequest) -> HttpResponse:
    """Start the idle time of the session again. The middleware has already ended a
    session that was idle too long: that one is not brought back."""
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    if not request.user.is_authenticated:
        if _wants_json(request):
            return JsonResponse({"seconds_left": 0}, status=401)
        return redirect_to_login(next_url)
    request.session[LAST_SEEN_KEY] = time.time()
    if _wants_json(request):
        return JsonResponse({"seconds_left": idle_timeout_for(request.user)})
    return redirect(next_url)
