"""Rate limits of the account forms that mail whatever address is typed.

Sign-up, password reset and "send the link again" each queue a message for
the typed address, whether or not it has an account (no enumeration), so
without a limit anyone could have the portal mail a customer's box again and
again. Each request that would mail counts once per typed address (one count
for the three forms, ``ACCOUNT_MAIL_RATE_EMAIL``) and once per network address
(``ACCOUNT_MAIL_RATE_IP``), in the Django cache as the public request pages'
limits; a form sent back for a mistake mails nothing and counts nothing. The
count is the same for an address with an account and one without, so the 429
tells nothing either. While the cache cannot be reached the request goes
through uncounted and the failure is logged, as the login does.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.shortcuts import render
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

from portal.kernel.rates import period_seconds, wait_minutes

logger = logging.getLogger(__name__)

RATE_SETTINGS = ["ACCOUNT_MAIL_RATE_EMAIL", "ACCOUNT_MAIL_RATE_IP"]


def mail_throttled(request, email: str) -> str | None:
    """Count one request that mails ``email``; the rate exceeded, or None."""
    address = (email or "").strip().lower()
    counters = [("portal.accounts.mail.ip", "ip", settings.ACCOUNT_MAIL_RATE_IP)]
    if address:
        counters.append(
            (
                "portal.accounts.mail.email",
                lambda _group, _request: address,
                settings.ACCOUNT_MAIL_RATE_EMAIL,
            )
        )
    return count_attempt(request, counters, what="Account mail")


def count_attempt(request, counters, *, what: str) -> str | None:
    """Count one attempt on each of ``counters`` (group, django-ratelimit key, rate);
    the first rate exceeded, or None. While the cache cannot be reached: None, and
    "<what> rate limit: cache unavailable" is logged."""
    exceeded = None
    try:
        for group, key, rate in counters:
            if is_ratelimited(request, group=group, key=key, rate=rate, method=ALL, increment=True):
                exceeded = exceeded or rate
    except Exception:  # the cache is down: log it, let the request through
        logger.warning("%s rate limit: cache unavailable", what, exc_info=True)
        return None
    return exceeded


def too_many(request, rate: str):
    """The 429 page: too many attempts, and when to try again (the public forms' page)."""
    response = render(request, "rights/public/throttled.html", {"minutes": wait_minutes(rate)})
    response.status_code = 429
    response["Retry-After"] = str(period_seconds(rate))
    return response
