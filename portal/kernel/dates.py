"""Dates of birth as people type them, what is derived from one, time zone names, and the
portal's own calendar day."""

from __future__ import annotations

import datetime as dt
import unicodedata
from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def parse_date(text: str) -> dt.date | None:
    """A date of birth as people type it: 1988-04-12, 1988/4/12, 19880412, 1988年4月12日."""
    compact = "".join(unicodedata.normalize("NFKC", text or "").split())
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(compact, pattern).date()
        except ValueError:
            continue
    return None


class TypedDateField(forms.DateField):
    """A date as people type it, read by :func:`parse_date`: full-width digits from a
    Japanese input method (１９８８-０４-１２), 1988/4/12, 19880412, 1988年4月12日. A
    date picker sends 1988-04-12; a browser without one sends what was typed."""

    default_error_messages = {
        "invalid": gettext_lazy("Enter the date as year-month-day, e.g. 1988-04-12.")
    }

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            day = parse_date(value)
            if day is not None:
                return day
        return super().to_python(value)


def date_of_birth_input() -> forms.DateInput:
    """A date of birth is typed, not picked: a date picker sends nothing for a date
    typed in part or an impossible one, which read as "no date of birth", and a
    picker scrolled back decades is slower than typing. The server reads what was
    written (:class:`TypedDateField`) and says what is wrong with it."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"autocomplete": "bday"})


def portal_day(moment: dt.datetime | None = None) -> dt.date:
    """The day ``moment`` (now without one) falls on in the portal's time zone
    (``TIME_ZONE``), whichever zone is active.

    Legal holds, retention periods and erasures count their days on this one
    calendar: a member of staff who reads the admin in another zone
    (``User.time_zone``) places, sees and applies a hold on the same days as the
    worker that erases does. At 09:00 in Tokyo on 1 July it is still 30 June in
    Los Angeles; a hold that starts on 1 July keeps the data for both.
    """
    return timezone.localdate(moment, timezone=timezone.get_default_timezone())


#: The earliest date of birth taken as real.
EARLIEST_BIRTH = dt.date(1900, 1, 1)


#: The days a date filter of the staff screens accepts: every one has a day before and
#: after it in every time zone, so a bound counted from it exists (a year mistyped as
#: 0001 or 9999 in a date picker had none: an OverflowError).
FILTER_DAYS = (dt.date(1900, 1, 1), dt.date(2999, 12, 31))


def validate_filter_day(value: dt.date | None) -> None:
    """A day a staff screen can filter by: between 1900-01-01 and 2999-12-31."""
    first, last = FILTER_DAYS
    if value is not None and not first <= value <= last:
        raise ValidationError(
            _("Give a date between %(first)s and %(last)s.")
            % {"first": first.isoformat(), "last": last.isoformat()},
            code="out_of_range",
        )


def validate_date_of_birth(value: dt.date | None) -> None:
    """A date of birth that can be real: not after today, not before 1900."""
    if value is None:
        return
    if value > timezone.localdate():
        raise ValidationError(_("The date of birth is in the future."), code="future")
    if value < EARLIEST_BIRTH:
        raise ValidationError(
            _("The date of birth is before %(year)s.") % {"year": EARLIEST_BIRTH.year},
            code="too_early",
        )


#: Civil Code art. 4 (since 1 April 2022): a person comes of age at 18.
AGE_OF_MAJORITY = 18


def age_on(born: dt.date, day: dt.date) -> int:
    """Full years from ``born`` to ``day``; one more from each birthday on (29 February
    counts from 1 March in other years)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def birth_year(day: dt.date | None) -> int | None:
    """The year alone, for age bands in the anonymised statistics."""
    return day.year if day else None


def validate_time_zone(value: str) -> None:
    """An IANA time zone name (e.g. Europe/Berlin), or empty."""
    if value and value not in available_timezones():
        raise ValidationError(_("Unknown time zone: %(zone)s.") % {"zone": value})
