"""The policy gate: a material policy change is accepted before anything else;
and the browser's opt-out preference signal, honoured on every page."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from portal.kernel import generations

from . import selectors, services
from .models import ConsentRecord
from .personal_data import TEXTS_GENERATION

# The session remembers which versions' notices were recorded, so each login
# (a new session) records the notice once, not every page view.
NOTICED_SESSION_KEY = "consent_policy_noticed"

# A session whose customer had nothing to accept and nothing to be told of
# remembers it, with the generation of the policy versions it was read under
# and the moment it stops holding: the next version coming into force, and
# generations.TTL at the latest (a change made outside the ORM). Until then the
# gate reads one cache key instead of querying. Acceptances only add to what
# the customer has accepted, so nothing else can undo a clear state.
CLEAR_SESSION_KEY = "consent_policy_clear"


def notice_once(request, version, *, method: str) -> None:
    """Record that ``request.user`` was shown ``version``, once per session."""
    noticed = request.session.get(NOTICED_SESSION_KEY, [])
    if version.pk in noticed:
        return
    services.policy_notice_record(
        subject=request.user, version=version, method=method, request=request
    )
    request.session[NOTICED_SESSION_KEY] = [*noticed, version.pk]


def _policy_token() -> str | None:
    """The generation token of the policy versions, or None when the shared cache
    does not answer (Redis down or hanging: the cache's socket timeouts in
    settings): the gate then reads the versions, as if no session were clear."""
    try:
        return generations.token(TEXTS_GENERATION)
    except Exception:  # any cache failure; the query below does not need the cache
        return None


class PolicyAcceptanceMiddleware:
    """Stop a customer at the policy page until they accept a material change.

    For a logged-in customer (not staff) whose latest accepted version is older
    than the latest material version in force, every page except the policy
    pages, logout, language switching, static files, the admin and the health
    check redirects to ``/consent/policy/`` and comes back afterwards. A newer
    non-material version does not block: ``request.consent_policy_notice``
    carries it for the banner in base.html, and its notice is recorded.
    Must come after the authentication, session and message middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def open_paths(self) -> tuple[str, ...]:
        if self._open_paths is None:
            self._open_paths = (
                reverse("consent:policy"),
                reverse("consent:privacy"),
                reverse("portal:logout"),
                reverse("set_language"),
                reverse("healthz"),
                reverse("admin:index"),
                settings.STATIC_URL,
            )
        return self._open_paths

    def __call__(self, request):
        request.consent_policy_notice = None
        if self._applies_to(request):
            # Read before the query below: a version saved after it gives a new token.
            token = _policy_token()
            if not self._cleared(request, token):
                status = selectors.policy_status(request.user, texts=False)
                if status.must_accept:
                    return self._to_policy_page(request)
                if status.notice:
                    request.consent_policy_notice = status.current
                    notice_once(request, status.current, method=ConsentRecord.Method.POLICY_BANNER)
                elif token is not None:
                    self._remember_clear(request, token)
        return self.get_response(request)

    @staticmethod
    def _cleared(request, token: str | None) -> bool:
        clear = request.session.get(CLEAR_SESSION_KEY)
        return (
            token is not None
            and clear is not None
            and clear["user"] == request.user.pk
            and time.time() < clear["until"]
            and clear["token"] == token
        )

    @staticmethod
    def _remember_clear(request, token: str) -> None:
        until = time.time() + generations.TTL
        next_at = selectors.next_policy_version_at()
        if next_at is not None:
            until = min(until, next_at.timestamp())
        request.session[CLEAR_SESSION_KEY] = {
            "user": request.user.pk,
            "token": token,
            "until": until,
        }

    def _applies_to(self, request) -> bool:
        user = getattr(request, "user", None)
        return (
            user is not None
            and user.is_authenticated
            and not user.is_staff
            and not request.path.startswith(self.open_paths())
        )

    def _to_policy_page(self, request):
        url = reverse("consent:policy")
        if request.method in ("GET", "HEAD"):
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return redirect(url)


class OptOutSignalMiddleware:
    """Honour the browser's opt-out preference signal (``Sec-GPC: 1``) on every page.

    For a logged-in customer under the CCPA, the sale and sharing purposes are
    withdrawn the first time the signal arrives (CCPA regs §7025(b); no
    verification, §7026(d)): :func:`consent.services.opt_out_signal_apply`.
    ``request.opt_out_signal`` says whether the signal was honoured on this
    request, for the consent page (§7025(c)(6)). A request without the header
    runs no query here. Must come after the authentication middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.opt_out_signal = services.signal_applies(request)
        if request.opt_out_signal:
            services.opt_out_signal_apply(subject=request.user, request=request)
        return self.get_response(request)
