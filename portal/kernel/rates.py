"""Rates in settings, as django-ratelimit reads them: ``count/period``.

The period is s, m, h or d, optionally with a multiple ("20/15m"), or a number
of seconds ("10/60"). A rate that does not parse would fail only on the page
that counts it, so each process checks its rates at start (:func:`check_rates`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

RATE = re.compile(r"\d+/(?:[1-9]\d*[smhd]?|[smhd])")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def period_seconds(rate: str) -> int:
    """The period of a rate such as ``"5/h"`` or ``"20/15m"``, in seconds."""
    period = rate.split("/", 1)[1]
    unit = period[-1] if period[-1] in _UNITS else "s"
    number = period[:-1] if period[-1] in _UNITS else period
    return int(number or 1) * _UNITS[unit]


def wait_minutes(rate: str) -> int:
    """The minutes to tell someone to wait once ``rate`` is exceeded (at least one)."""
    return max(1, period_seconds(rate) // 60)


def check_rates(names: Iterable[str]) -> None:
    """Raise ImproperlyConfigured naming the first of the settings ``names`` that is
    not a rate."""
    for name in names:
        rate = getattr(settings, name)
        if not RATE.fullmatch(rate):
            raise ImproperlyConfigured(
                f"{name}: {rate!r} is not a rate: write count/period, the period "
                "s, m, h or d (e.g. 5/h or 20/15m)."
            )
