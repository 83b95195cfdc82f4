"""Login throttling: failed logins counted per account and per network address.

Both login forms (the customer's e-mail login and the staff admin's
password-and-code login) go through :class:`portal.forms.LoginThrottleMixin`,
which asks :func:`login_wait` before checking a password and calls
:func:`login_failed` after a wrong one.

Counters live in Django's cache (Redis in production, so every web process
sees the same counts) in fixed windows of ``LOGIN_THROTTLE_WINDOW`` seconds:
``cache.add`` + ``cache.incr`` are atomic there, so concurrent guesses cannot
slip past the limit. An account counts from its typed address whether or not
it exists, so being throttled tells nothing about which addresses have
accounts. The account's key is a keyed hash, never the address itself.

The network address is the client's as :mod:`portal.kernel.client_address` resolves
it (the proxies in ``TRUSTED_PROXIES``), the same the audit trail records and
the rate limits count. The per-address counter skips a trusted proxy, this
machine and an unknown address, so one guesser can never lock everyone out.

django-axes was weighed and not taken: it has one failure limit for all its
lockout parameters (the account limit here is 5, the address limit 30), and it
locks in a middleware and its backend rather than in the form, so the login
page could no longer answer the same form error for a known and an unknown
address, nor audit which counter refused.

When the cache cannot be reached the login still works (the failure is
logged): locking every customer out because Redis is down would do more harm
than a short window without counting.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils.crypto import salted_hmac
from django.utils.translation import ngettext

from .audit import audit_log
from .client_address import client_ip, may_lock_address

logger = logging.getLogger(__name__)

_SALT = "portal.kernel.throttle.login"


@dataclass(frozen=True)
class Wait:
    """A login refused for now: by which counter, and for how many seconds."""

    scope: str  # "account" or "ip"
    seconds: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))


def _window() -> tuple[int, int]:
    """(index of the current window, seconds until it ends)."""
    length = settings.LOGIN_THROTTLE_WINDOW
    now = time.time()
    index = int(now // length)
    return index, max(1, math.ceil((index + 1) * length - now))


def _keys(request, email: str, index: int) -> dict[str, str]:
    account = salted_hmac(_SALT, (email or "").strip().lower()).hexdigest()[:32]
    keys = {"account": f"login-failures:account:{account}:{index}"}
    ip = client_ip(request)
    # A trusted proxy's, this machine's or an unknown address stands for every
    # visitor behind it: it is never locked (the account counter still is).
    if may_lock_address(ip):
        keys["ip"] = f"login-failures:ip:{ip}:{index}"
    return keys


def _limits() -> dict[str, int]:
    return {
        "account": settings.LOGIN_THROTTLE_ACCOUNT_FAILURES,
        "ip": settings.LOGIN_THROTTLE_IP_FAILURES,
    }


def login_wait(request, email: str) -> Wait | None:
    """None when a login with ``email`` from this request may be tried now."""
    index, remaining = _window()
    keys = _keys(request, email, index)
    try:
        counts = cache.get_many(list(keys.values()))
    except Exception:  # the cache is down: log it, let the login through
        logger.warning("Login throttle: cache unavailable", exc_info=True)
        return None
    limits = _limits()
    for scope, key in keys.items():
        if counts.get(key, 0) >= limits[scope]:
            return Wait(scope=scope, seconds=remaining)
    return None


def login_failed(request, email: str) -> None:
    """Count one wrong password for the account and for the address."""
    index, _remaining = _window()
    timeout = settings.LOGIN_THROTTLE_WINDOW * 2
    try:
        for key in _keys(request, email, index).values():
            cache.add(key, 0, timeout)
            cache.incr(key)
    except Exception:
        logger.warning("Login throttle: cache unavailable", exc_info=True)


def login_succeeded(request, email: str) -> None:
    """A correct login clears the account's count (not the address's)."""
    index, _remaining = _window()
    try:
        cache.delete(_keys(request, email, index)["account"])
    except Exception:
        logger.warning("Login throttle: cache unavailable", exc_info=True)


class LoginThrottleMixin:
    """For an ``AuthenticationForm``: refuse while throttled, count wrong passwords.

    ``audit_prefix`` names the audit actions (``auth`` for customers,
    ``admin`` for the staff login).
    """

    audit_prefix = "auth"

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        if not email:
            return super().clean()
        wait = login_wait(self.request, email)
        if wait is not None:
            user = get_user_model().objects.filter(email__iexact=email).first()
            audit_log(
                action=f"{self.audit_prefix}.login_throttled",
                target=user,
                request=self.request,
                details={"scope": wait.scope, "known_account": user is not None},
            )
            self.throttled = wait
            raise forms.ValidationError(
                ngettext(
                    "Too many failed logins for this account or from your network. "
                    "For your security, try again in %(minutes)d minute, or reset "
                    "your password.",
                    "Too many failed logins for this account or from your network. "
                    "For your security, try again in %(minutes)d minutes, or reset "
                    "your password.",
                    wait.minutes,
                )
                % {"minutes": wait.minutes},
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError as error:
            if getattr(error, "code", None) == "invalid_login":
                login_failed(self.request, email)
            raise
        if self.get_user() is not None:
            login_succeeded(self.request, email)
        return cleaned
