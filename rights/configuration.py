"""The rights app's settings checked when a process starts (called from ``startup.ready``).

A typo in one of these variables otherwise passed ``manage.py check`` and every
start, then failed later where the value is first used: every filing (a time
zone), the public request pages (a rate), the nightly sweep (the fiscal
year's month). Every process (web, worker, beat, commands) stops here instead,
with the variable's name and what it takes.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal.kernel.rates import check_rates

from .choices import Regime
from .requesters.throttle import STEPS


def check_settings() -> None:
    """Raise ImproperlyConfigured naming the first variable whose value cannot work."""
    regimes = ", ".join(Regime.values)
    if settings.RIGHTS_DEFAULT_REGIME not in Regime.values:
        raise ImproperlyConfigured(
            f"RIGHTS_DEFAULT_REGIME must be one of {regimes}, "
            f"not {settings.RIGHTS_DEFAULT_REGIME!r}."
        )
    zones = {
        f"RIGHTS_{r.upper()}_TIME_ZONE": z for r, z in settings.RIGHTS_REGIME_TIME_ZONES.items()
    }
    zones["CUSTOMER_TIME_ZONE"] = settings.CUSTOMER_TIME_ZONE
    for name, zone in zones.items():
        if not zone:
            continue
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ImproperlyConfigured(
                f"{name}: {zone!r} is not a time zone "
                "(an IANA name such as Asia/Tokyo or Europe/Berlin)."
            ) from None
    for regime, (country, subdivision) in settings.RIGHTS_HOLIDAY_CALENDARS.items():
        if not country:
            continue
        try:
            holidays.country_holidays(country, subdiv=subdivision)
        except NotImplementedError:
            raise ImproperlyConfigured(
                f"RIGHTS_{regime.upper()}_HOLIDAY_COUNTRY: {country!r} is not a country "
                "with a holiday calendar (a two-letter code such as DE or FR)."
            ) from None
    check_rates(name for names in STEPS.values() for name in names)
    if not 1 <= settings.RIGHTS_FISCAL_YEAR_END_MONTH <= 12:
        raise ImproperlyConfigured(
            "RIGHTS_FISCAL_YEAR_END_MONTH must be a month from 1 to 12, "
            f"not {settings.RIGHTS_FISCAL_YEAR_END_MONTH}."
        )
