"""Session security, the staff's time zone and response headers.

``SessionSecurityMiddleware`` ends idle sessions and tells people why a
session of theirs ended; ``StaffTimeZoneMiddleware`` shows staff dates in
their own time zone; ``ContentSecurityPolicyMiddleware`` sends the
Content-Security-Policy and Permissions-Policy headers;
``LoggedInNoStoreMiddleware`` keeps every page of a logged-in person out of caches.
"""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, get_user_model, logout
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .api.problems import API_PREFIX, problem_response
from .audit import audit_log
from .models import SessionsEndedReason
from .stepup import IDLE_ENDED_USER_KEY
from .typed_text import NEVER_TEXT, UNREADABLE_TEXT, VIEW_FLAG

# Session keys: when this session logged in, and when it was last used.
LOGIN_AT_KEY = "portal_login_at"
LAST_SEEN_KEY = "portal_last_seen"
# "Last used" is written at most this often, so a busy page does not save the
# session on every request; idle expiry is therefore exact to within a minute.
LAST_SEEN_RESOLUTION = 60


def _ended_messages():
    return {
        SessionsEndedReason.LOGOUT_EVERYWHERE: _(
            "You were logged out because someone chose “Log out everywhere” on your account. "
            "If that was not you, change your password after logging in."
        ),
        SessionsEndedReason.PASSWORD_CHANGED: _(
            "You were logged out because the password of your account was changed. "
            "If that was not you, reset your password now."
        ),
        SessionsEndedReason.PASSWORD_RESET: _(
            "You were logged out because the password of your account was reset. "
            "If that was not you, reset your password now."
        ),
    }


def idle_timeout_for(user) -> int:
    """Seconds without a request after which the session of ``user`` ends (0: never)."""
    return settings.STAFF_SESSION_IDLE_TIMEOUT if user.is_staff else settings.SESSION_IDLE_TIMEOUT


def session_started(request) -> None:
    """Stamp a new login; called from the ``user_logged_in`` signal."""
    now = time.time()
    request.session[LOGIN_AT_KEY] = now
    request.session[LAST_SEEN_KEY] = now


class SessionSecurityMiddleware:
    """End sessions left idle too long; say why a session ended.

    - A customer's session ends after ``SESSION_IDLE_TIMEOUT`` seconds without
      a request (staff: ``STAFF_SESSION_IDLE_TIMEOUT``); the next request is
      served logged out, with a message saying so, and login-only pages send
      the person to the login page and back.
    - A session whose check value no longer matches (log out everywhere, a
      new password; see ``portal.accounts.services.sessions_end_all``) is emptied by
      Django's authentication; this middleware notices that the session had
      a user and tells the person the recorded reason.

    Must come after the session, authentication, OTP and message middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        session = request.session
        user_id = session.get(SESSION_KEY)
        if user_id is None:
            return
        login_at = session.get(LOGIN_AT_KEY)
        if not request.user.is_authenticated:
            self._ended(request, user_id, login_at)
            return
        now = time.time()
        last_seen = session.get(LAST_SEEN_KEY)
        limit = idle_timeout_for(request.user)
        if limit and last_seen is not None and now - float(last_seen) > limit:
            user = request.user
            audit_log(
                action="auth.session_idle_expired",
                actor=user,
                target=user,
                request=request,
                details={"idle_seconds": int(now - float(last_seen))},
            )
            logout(request)
            # A form the page sends next is kept for this customer (decorators).
            request.session[IDLE_ENDED_USER_KEY] = user.pk
            minutes = max(1, limit // 60)
            messages.info(
                request,
                ngettext(
                    "You were logged out after %(minutes)d minute without activity, "
                    "to protect your data. Please log in again.",
                    "You were logged out after %(minutes)d minutes without activity, "
                    "to protect your data. Please log in again.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            return
        if last_seen is None or now - float(last_seen) >= LAST_SEEN_RESOLUTION:
            session[LAST_SEEN_KEY] = now

    def _ended(self, request, user_id, login_at) -> None:
        """The session named a user but authentication refused it."""
        user = get_user_model().objects.filter(pk=user_id).first()
        # Django leaves the session of a deactivated account in place: empty it,
        # so the message below is shown once.
        request.session.flush()
        message = _("Your session has ended. Please log in again.")
        if (
            user is not None
            and user.sessions_ended_at is not None
            and login_at is not None
            and user.sessions_ended_at.timestamp() >= float(login_at)
        ):
            message = _ended_messages().get(user.sessions_ended_reason, message)
        messages.info(request, message)


class StaffTimeZoneMiddleware:
    """Staff see dates and deadlines in their own time zone (``User.time_zone``),
    or the portal's (``TIME_ZONE``) without one; everyone else in the customers'
    (``CUSTOMER_TIME_ZONE``: by default that of the regime requests are filed under).

    Deadlines are stored as moments, counted in the requester's zone
    (rights.deadlines); this only decides how a page writes them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone = getattr(user, "time_zone", "") if user and user.is_authenticated else ""
        if zone and user.is_staff:
            timezone.activate(ZoneInfo(zone))
        elif user is not None and user.is_authenticated and user.is_staff:
            timezone.deactivate()
        else:
            timezone.activate(ZoneInfo(settings.CUSTOMER_TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class ContentSecurityPolicyMiddleware:
    """Send ``CONTENT_SECURITY_POLICY`` (and ``PERMISSIONS_POLICY``) on every response.

    The policy allows scripts and styles only from the site itself: no inline
    script, no ``eval``, no other origin. The portal and Django's admin load
    all their JavaScript and CSS from static files, so nothing needs a nonce.
    A view may set its own header, which is then left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = "; ".join(
            f"{name} {' '.join(values)}"
            for name, values in settings.CONTENT_SECURITY_POLICY.items()
        )
        self.permissions = ", ".join(
            f"{name}=({' '.join(values)})" for name, values in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        if self.permissions:
            response.headers.setdefault("Permissions-Policy", self.permissions)
        return response


class LoggedInNoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every response to a logged-in person.

    Every page then shows whose session it is (the login address in the page's
    head), error pages included, so none may be kept by the browser's cache on a
    shared computer or by a proxy; views need not each remember ``never_cache``.
    A visitor's public pages stay cacheable. Must come after the authentication
    middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and "no-store" not in response.get("Cache-Control", "")
        ):
            add_never_cache_headers(response)
        return response


def _unreadable(query_dict, *, values=UNREADABLE_TEXT) -> bool:
    """Whether a name holds a character of UNREADABLE_TEXT, or a value one of ``values``."""
    return any(
        UNREADABLE_TEXT.search(key) or any(values.search(value) for value in found)
        for key, found in query_dict.lists()
    )


class BadTextMiddleware:
    """Refuse a request whose query or form text is not valid text, before any view.

    Answers 400 with a page that says what was wrong and that nothing was
    saved, instead of letting the value reach a form (which might store a
    replacement character) or the database (which refuses NUL with an
    error). Runs after the CSRF check, so a forged form still gets its 403.
    Bodies that are not forms (a payment provider's JSON) are left to their
    view. A view marked ``form_refuses_control_characters`` (``typed_text``)
    says pasted control characters in a form's values on the field itself,
    keeping what was typed; NUL and unreadable bytes are refused here still.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.shortcuts import render
        from django.urls import reverse

        bad = _unreadable(request.GET)
        if not bad and request.method == "POST":
            form_checks = getattr(view_func, VIEW_FLAG, False)
            bad = _unreadable(request.POST, values=NEVER_TEXT if form_checks else UNREADABLE_TEXT)
        if bad and request.path.startswith(API_PREFIX):
            return problem_response(
                400, "unreadable-text", "The query holds text that is not valid."
            )
        if bad:
            # On a staff page: without the customer's navigation, with the way back.
            staff_page = request.path.startswith(reverse("admin:index"))
            context = {
                "layout": "error_base.html" if staff_page else "base.html",
                "staff_page": staff_page,
            }
            return render(request, "bad_text.html", context, status=400)
        return None


class HeadWithoutBodyMiddleware:
    """Answer HEAD with the headers a GET gets and no body.

    Django's WSGI handler sends the body of a HEAD response (only runserver and the
    test client drop it); gunicorn drops it too but logs a WARNING for each ("WSGI app
    sent body bytes on a no-body response"), e.g. for every ``curl -I /healthz`` of a
    monitor. First in ``MIDDLEWARE``: it sees the response last. ``Content-Length``
    stays that of the GET, as HEAD means.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "HEAD":
            if response.streaming:
                response.streaming_content = []  # the file it held is still closed
            else:
                response.content = b""
        return response
