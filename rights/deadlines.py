"""Legal deadlines of rights requests, as pure functions of the request's dates.

The rules (see docs/legal.md):
- APPI: "without delay"; the law names no number, so the target is
  ``RIGHTS_APPI_TARGET_DAYS`` calendar days (default 14, the point from which
  a lawsuit is possible, art. 39). Staff may set a later target with a reason,
  up to ``RIGHTS_APPI_MAX_EXTENSION_DAYS`` more.
- GDPR art. 12(3): one calendar month from receipt (31 January + 1 month =
  28/29 February), extendable by at most two further months, and only if the
  person is told before the first month ends.
- CCPA (11 CCR §7021): confirm receipt within 10 business days; answer within
  45 calendar days, one extension of at most 45 more, told before the first
  period ends. Opting out of sale or sharing (§7026(f)) and limiting the use
  of sensitive data (§7027(g)) — our stop of provision and stop of use — are
  acted on within 15 business days, with no extension.

Pauses, by regime (:func:`clock_stops`):
- APPI and GDPR: the clock waits while the request waits for the person
  (identity, fee, clarification: GDPR art. 12(3), (5), (6)); every pause
  pushes the deadline back by exactly its length.
- CCPA: nothing stops the clock; §7021(b) counts the 45 days from receipt
  "regardless of time required to verify the request".

Time zones: each request counts in the time zone of its requester
(``RightsRequest.time_zone``, by default the regime's from
``RIGHTS_REGIME_TIME_ZONES``: APPI Asia/Tokyo, GDPR Europe/Berlin, CCPA
America/Los_Angeles). The day of receipt, the calendar month or days added
and the end of the last day are all that zone's; every function takes ``tz``
(None: the regime's zone). A deadline without pauses is the end of its day
in that zone.
Business days skip weekends and the public holidays of the regime's country
(the holidays library; the calendars are a setting).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .choices import Kind, Regime


@dataclass(frozen=True)
class Pause:
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    reason: str = ""  # a PauseReason value

    def length(self, now: dt.datetime) -> dt.timedelta:
        return (self.ended_at or now) - self.started_at


class ExtensionNotAllowed(ValueError):
    """The requested extension breaks the regime's rule; the message says which."""


def regime_time_zone(regime: str) -> str:
    """The time zone a regime's requesters are in, by default (a setting)."""
    return settings.RIGHTS_REGIME_TIME_ZONES.get(regime) or settings.TIME_ZONE


def _zone(regime: str, tz: str | None) -> ZoneInfo:
    return ZoneInfo(tz or regime_time_zone(regime))


def _end_of_day(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=zone)


def local_day(moment: dt.datetime, regime: str, tz: str | None = None) -> dt.date:
    """The day ``moment`` falls on in the request's time zone."""
    return moment.astimezone(_zone(regime, tz)).date()


def fee_pay_by(asked_at: dt.datetime, tz: str) -> dt.datetime:
    """The end of the last day of the published unpaid period (RIGHTS_FEE_UNPAID_DAYS),
    counted in the request's time zone ``tz``: the day the person is told to pay by is
    a whole day where they are."""
    asked_on = asked_at.astimezone(ZoneInfo(tz)).date()
    return _end_of_day(asked_on + dt.timedelta(days=settings.RIGHTS_FEE_UNPAID_DAYS), ZoneInfo(tz))


# CCPA requests acted on within 15 business days, with no extension: opting
# out of sale or sharing (§7026(f)) and limiting sensitive data (§7027(g)).
CCPA_BUSINESS_DAY_KINDS = {Kind.STOP_PROVISION: 15, Kind.STOP_USE: 15}


def clock_stops(regime: str, reason: str) -> bool:
    """Whether waiting for ``reason`` (a PauseReason) stops ``regime``'s clock.

    CCPA §7021(b): the 45 days run from receipt whatever the verification
    takes, and the regulations stop them for nothing else. APPI and GDPR wait
    for the person: identity, a fee, the information needed.
    """
    return regime != Regime.CCPA


def _business_days(regime: str, kind: str | None) -> int | None:
    if regime == Regime.CCPA:
        return CCPA_BUSINESS_DAY_KINDS.get(kind)
    return None


def _period(regime: str) -> relativedelta:
    if regime == Regime.GDPR:
        return relativedelta(months=1)
    if regime == Regime.CCPA:
        return relativedelta(days=45)
    return relativedelta(days=settings.RIGHTS_APPI_TARGET_DAYS)


def _max_extension(regime: str) -> relativedelta:
    if regime == Regime.GDPR:
        return relativedelta(months=2)
    if regime == Regime.CCPA:
        return relativedelta(days=45)
    return relativedelta(days=settings.RIGHTS_APPI_MAX_EXTENSION_DAYS)


def base_deadline(
    regime: str, received_at: dt.datetime, *, kind: str | None = None, tz: str | None = None
) -> dt.datetime:
    """The regime's answer deadline for ``kind`` before pauses and extensions, counted
    in the requester's time zone ``tz``."""
    received_on = local_day(received_at, regime, tz)
    business_days = _business_days(regime, kind)
    if business_days is not None:
        day = add_business_days(received_on, business_days, regime)
    else:
        day = received_on + _period(regime)
    return _end_of_day(day, _zone(regime, tz))


def latest_extended_deadline(
    regime: str, received_at: dt.datetime, *, kind: str | None = None, tz: str | None = None
) -> dt.datetime:
    """The furthest an extension may push the deadline (before pauses)."""
    if _business_days(regime, kind) is not None:
        return base_deadline(regime, received_at, kind=kind, tz=tz)
    day = local_day(received_at, regime, tz) + (_period(regime) + _max_extension(regime))
    return _end_of_day(day, _zone(regime, tz))


def paused_for(
    pauses: Iterable[Pause], now: dt.datetime | None = None, *, regime: str | None = None
) -> dt.timedelta:
    """Total time the clock stood still; an open pause counts up to ``now``.

    With ``regime``, only the pauses that stop that regime's clock count.
    """
    now = now or timezone.now()
    counted = (p for p in pauses if regime is None or clock_stops(regime, p.reason))
    return sum((pause.length(now) for pause in counted), dt.timedelta())


def due_at(
    regime: str,
    received_at: dt.datetime,
    *,
    kind: str | None = None,
    pauses: Iterable[Pause] = (),
    extended_to: dt.datetime | None = None,
    now: dt.datetime | None = None,
    tz: str | None = None,
) -> dt.datetime:
    """When the answer is due: the (extended) deadline moved back by exactly the
    time the clock stood still.

    An open pause counts up to ``now``, so a waiting request's deadline moves
    with the waiting; once the pause closes it stays put. A pause of an hour
    adds an hour, not a day. The length is added in UTC: added to the local time,
    a wait across a switch to or from summer time would move the deadline an hour
    less or more than was waited.
    """
    base = extended_to or base_deadline(regime, received_at, kind=kind, tz=tz)
    moved = base.astimezone(dt.UTC) + paused_for(pauses, now, regime=regime)
    return moved.astimezone(base.tzinfo)


def check_extension(
    regime: str,
    received_at: dt.datetime,
    *,
    kind: str | None = None,
    pauses: Iterable[Pause] = (),
    extended_to: dt.datetime | None,
    new_deadline: dt.datetime,
    reason: str,
    now: dt.datetime | None = None,
    tz: str | None = None,
) -> dt.datetime:
    """Validate an extension and return the new deadline (end of its day in ``tz``).

    ``extended_to`` is the request's current extension, if any; ``new_deadline``
    is stated without pauses, like :func:`base_deadline`. Raises
    :class:`ExtensionNotAllowed` with a message fit for staff.
    """
    now = now or timezone.now()
    pauses = list(pauses)
    new_deadline = _end_of_day(local_day(new_deadline, regime, tz), _zone(regime, tz))
    if not reason.strip():
        raise ExtensionNotAllowed(_("An extension needs a reason; the customer is told it."))
    if _business_days(regime, kind) is not None:
        raise ExtensionNotAllowed(
            _(
                "CCPA: an opt-out or a limit on sensitive data is acted on within "
                "15 business days; it cannot be extended."
            )
        )
    if regime in (Regime.GDPR, Regime.CCPA):
        # The person must be told within the first period, whatever came since.
        if now > due_at(regime, received_at, kind=kind, pauses=pauses, now=now, tz=tz):
            raise ExtensionNotAllowed(
                _("Too late: the law requires the extension to be told within the first period.")
            )
    elif now > due_at(
        regime, received_at, kind=kind, pauses=pauses, extended_to=extended_to, now=now, tz=tz
    ):
        raise ExtensionNotAllowed(_("The deadline has passed: extend before it, not after."))
    if regime == Regime.CCPA and extended_to is not None:
        raise ExtensionNotAllowed(_("CCPA allows one extension only."))
    if new_deadline <= (extended_to or base_deadline(regime, received_at, kind=kind, tz=tz)):
        raise ExtensionNotAllowed(_("The new deadline must be later than the current one."))
    limit = latest_extended_deadline(regime, received_at, kind=kind, tz=tz)
    if new_deadline > limit:
        raise ExtensionNotAllowed(
            _("The law allows an extension up to %(date)s at the latest.")
            % {"date": formats.date_format(local_day(limit, regime, tz), "DATE_FORMAT")}
        )
    return new_deadline


@cache
def _calendar(regime: str) -> holidays.HolidayBase | None:
    country, subdivision = settings.RIGHTS_HOLIDAY_CALENDARS.get(regime, (None, None))
    if not country:
        return None
    return holidays.country_holidays(country, subdiv=subdivision)


def is_business_day(day: dt.date, regime: str) -> bool:
    calendar = _calendar(regime)
    return day.weekday() < 5 and (calendar is None or day not in calendar)


def add_business_days(start: dt.date, days: int, regime: str) -> dt.date:
    """The date ``days`` business days after ``start`` (``start`` itself not counted)."""
    current = start
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_business_day(current, regime):
            remaining -= 1
    return current


def acknowledgement_due(
    regime: str, received_at: dt.datetime, *, tz: str | None = None
) -> dt.datetime | None:
    """CCPA: confirm receipt within 10 business days. Other regimes: None."""
    if regime != Regime.CCPA:
        return None
    day = add_business_days(local_day(received_at, regime, tz), 10, regime)
    return _end_of_day(day, _zone(regime, tz))
