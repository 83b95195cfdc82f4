"""Rate limits of the public request pages, per IP address and per e-mail address.

Counted by django-ratelimit in the Django cache (Redis in production), so every
web process shares the counts. The rates are settings
(``RIGHTS_PUBLIC_RATE_*``, e.g. ``"5/h"``). While the cache cannot be reached
the steps go through uncounted and the failure is logged, as the login does.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.shortcuts import render
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

from portal.kernel.rates import period_seconds, wait_minutes
from portal.kernel.typed_email import read_typed

logger = logging.getLogger(__name__)

# step -> (setting of the per-IP rate, setting of the per-address rate)
STEPS = {
    "start": ("RIGHTS_PUBLIC_RATE_START_IP", "RIGHTS_PUBLIC_RATE_START_EMAIL"),
    "code": ("RIGHTS_PUBLIC_RATE_CODE_IP", "RIGHTS_PUBLIC_RATE_CODE_EMAIL"),
    "form": ("RIGHTS_PUBLIC_RATE_FORM_IP", "RIGHTS_PUBLIC_RATE_FORM_EMAIL"),
    # Messages and withdrawals on the follow page of a request filed without an account.
    "follow": ("RIGHTS_PUBLIC_RATE_FOLLOW_IP", "RIGHTS_PUBLIC_RATE_FOLLOW_EMAIL"),
}


def throttled(request, *, step: str, email: str = "", count_address: bool = True) -> str | None:
    """Count one attempt at ``step``; the rate that is exceeded, or None.

    Both counters advance on every attempt, so a client switching addresses
    still meets the per-IP limit, and one address tried from many places meets
    the per-address limit. With ``count_address=False`` (a form sent back for a
    mistake in it) the per-address counter is only read: the address's allowance
    is for what the step does, such as filing a request, not for the visitor's typos.
    """
    try:
        return _count(request, step=step, email=email, count_address=count_address)
    except Exception:  # the cache is down: log it, let the step through (as the login does)
        logger.warning("Public form rate limit: cache unavailable", exc_info=True)
        return None


def _count(request, *, step: str, email: str, count_address: bool) -> str | None:
    ip_setting, email_setting = STEPS[step]
    exceeded = None
    if is_ratelimited(
        request,
        group=f"rights.public.{step}.ip",
        key="ip",
        rate=getattr(settings, ip_setting),
        method=ALL,
        increment=True,
    ):
        exceeded = getattr(settings, ip_setting)
    address = read_typed(email or "").strip().lower()
    if address and is_ratelimited(
        request,
        group=f"rights.public.{step}.email",
        key=lambda _group, _request: address,
        rate=getattr(settings, email_setting),
        method=ALL,
        increment=count_address,
    ):
        exceeded = exceeded or getattr(settings, email_setting)
    return exceeded


def too_many(request, rate: str, response=None):
    """The 429 answer: ``response`` (a page that says when to try again) or the page of
    its own that says what happened and when to try again, in the page's language."""
    if response is None:
        response = render(request, "rights/public/throttled.html", {"minutes": wait_minutes(rate)})
    response.status_code = 429
    response["Retry-After"] = str(period_seconds(rate))
    return response
