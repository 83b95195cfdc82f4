"""Dates of birth as people type them, what is derived from one, and time zone names."""

from __future__ import annotations

import datetime as dt
import unicodedata
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

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


#: The earliest date of birth taken as real.
EARLIEST_BIRTH = dt.date(1900, 1, 1)


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
