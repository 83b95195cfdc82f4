"""When a retention period ends: pure date arithmetic, no database.

A period is counted from an event (the record's date, the end of the
customer's registration, the end of the fiscal year of the record, the
closure of the account), optionally a number of months after it, and lasts
years + months + days. The data is kept through the last day, :func:`keep_until`,
and may be erased from the day after.

The sweep asks the opposite question for a whole table at once: on ``today``,
which events are old enough? :func:`event_cutoff` and
:func:`fiscal_record_cutoff` answer with one date to compare a column with;
``record is erasable on today  ⇔  keep_until(record) < today`` holds for both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from .models import RetentionTrigger


@dataclass(frozen=True)
class Period:
    years: int = 0
    months: int = 0
    days: int = 0
    #: Months between the event and the start of the period.
    offset_months: int = 0

    @property
    def delta(self) -> relativedelta:
        """Years and months first, then days (relativedelta's order of addition)."""
        return relativedelta(
            years=self.years, months=self.months + self.offset_months, days=self.days
        )

    @property
    def calendar_delta(self) -> relativedelta:
        return relativedelta(years=self.years, months=self.months + self.offset_months)

    @classmethod
    def of(cls, rule, *, loss_year: bool = False) -> Period:
        years = rule.period_years
        if loss_year and rule.loss_year_period_years is not None:
            years = rule.loss_year_period_years
        return cls(years, rule.period_months, rule.period_days, rule.trigger_offset_months)


def fiscal_year_end(day: dt.date, end_month: int) -> dt.date:
    """The last day of the fiscal year that contains ``day`` (it ends with ``end_month``)."""
    year = day.year if day.month <= end_month else day.year + 1
    return dt.date(year, end_month, 1) + relativedelta(day=31)


def fiscal_year_start(year_end: dt.date) -> dt.date:
    return year_end - relativedelta(years=1) + dt.timedelta(days=1)


def keep_until(event: dt.date, period: Period) -> dt.date:
    """The last day data is kept whose period starts from ``event``."""
    return event + period.delta


def event_cutoff(today: dt.date, period: Period) -> dt.date:
    """Events strictly before this day have ended their period by ``today``.

    ``event < event_cutoff(today, p)`` implies ``keep_until(event, p) < today``
    (adding months is monotonic, and clamps to the month's end never push a
    day past ``today``), so the sweep never erases a day early.
    """
    # The inverse of "years and months, then days": days first, then years and months.
    return (today - dt.timedelta(days=period.days)) - period.calendar_delta


def latest_fiscal_end_before(day: dt.date, end_month: int) -> dt.date:
    """The last fiscal-year end strictly before ``day``."""
    end = fiscal_year_end(day, end_month)
    while end >= day:
        end = end - relativedelta(years=1, day=31)
    return end


def fiscal_record_cutoff(today: dt.date, period: Period, end_month: int) -> dt.date:
    """Records dated on or before this day have ended their fiscal-year period by ``today``.

    ``keep_until(fiscal_year_end(d)) < today ⇔ fiscal_year_end(d) < today − period
    ⇔ d ≤`` the last fiscal-year end before ``today − period``.
    """
    return latest_fiscal_end_before(event_cutoff(today, period), end_month)


def record_keep_until(
    record_date: dt.date,
    rule,
    *,
    end_month: int,
    loss_years: Collection[int] = (),
) -> dt.date:
    """The last day a record dated ``record_date`` is kept under a record-date or fiscal rule.

    ``loss_years`` are the calendar years in which a fiscal year with a loss
    ended; records of those years keep the rule's loss-year period.
    """
    if rule.trigger == RetentionTrigger.FISCAL_YEAR_END:
        year_end = fiscal_year_end(record_date, end_month)
        period = Period.of(rule, loss_year=year_end.year in loss_years)
        return keep_until(year_end, period)
    return keep_until(record_date, Period.of(rule))
