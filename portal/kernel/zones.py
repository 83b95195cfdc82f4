"""Times written with the time zone they are written in.

Each request counts its days in its own zone (Tokyo for APPI, Berlin for GDPR,
...), and a member of staff reads in theirs, so one page or list may hold times of
different zones. A time or a deadline day the reader sees says its zone:
"6 Dec 2026, 09:33 JST", 「2026年12月6日 09:33（日本時間）」. A table whose rows
share a zone says it once, in the column's heading (:func:`shared_label`), and a
cell only when it differs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import pgettext, pgettext_lazy

#: The zones' abbreviations as each language names them: "JST" stays "JST" in
#: English and reads 「日本時間」 in Japanese. An abbreviation not named here is
#: written as the zone database gives it; one that is only an offset ("+09") is
#: written from UTC ("UTC+9").
NAMES = {
    "JST": pgettext_lazy("time zone", "JST"),
    "KST": pgettext_lazy("time zone", "KST"),
    "CET": pgettext_lazy("time zone", "CET"),
    "CEST": pgettext_lazy("time zone", "CEST"),
    "GMT": pgettext_lazy("time zone", "GMT"),
    "BST": pgettext_lazy("time zone", "BST"),
    "UTC": pgettext_lazy("time zone", "UTC"),
    "PST": pgettext_lazy("time zone", "PST"),
    "PDT": pgettext_lazy("time zone", "PDT"),
}

#: The hour of a day whose zone is named: a deadline day is named as its noon is,
#: away from the night a clock changes.
_NOON = dt.time(12)


def _zone(zone: str | dt.tzinfo | None) -> dt.tzinfo:
    if zone is None or zone == "":
        return timezone.get_current_timezone()
    if isinstance(zone, str):
        return ZoneInfo(zone)
    return zone


def _moment(value: dt.datetime | dt.date, zone: dt.tzinfo) -> dt.datetime:
    """``value`` in ``zone``: a day at its noon there."""
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, zone)
        return value.astimezone(zone)
    return dt.datetime.combine(value, _NOON, tzinfo=zone)


def _offset(moment: dt.datetime) -> str:
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def label(value: dt.datetime | dt.date | None = None, zone: str | dt.tzinfo | None = None) -> str:
    """The name of the zone ``value`` (now without one) is written in, in the active
    language: ``zone``, or the active time zone without one."""
    moment = _moment(value if value is not None else timezone.now(), _zone(zone))
    abbreviation = moment.tzname() or ""
    if not abbreviation.isalpha():
        return _offset(moment)
    return str(NAMES.get(abbreviation, abbreviation))


#: The active zone's name, worked out when a page is drawn: a column heading of the
#: admin is written once, when the module is loaded, and read in each reader's zone.
current_label = lazy(label, str)


def with_label(text: str, zone_label: str) -> str:
    """``text`` (a time or a day) followed by ``zone_label``, as the language writes it."""
    if not zone_label:
        return text
    return pgettext("a time and its time zone", "%(time)s %(zone)s") % {
        "time": text,
        "zone": zone_label,
    }


def heading(text: str, zone_label: str) -> str:
    """A column heading ``text`` that names the zone of the column's times."""
    if not zone_label:
        return text
    return pgettext("a column heading and its time zone", "%(heading)s (%(zone)s)") % {
        "heading": text,
        "zone": zone_label,
    }


def written(
    value: dt.datetime | dt.date | None,
    format: str = "DATETIME_FORMAT",
    zone: str | dt.tzinfo | None = None,
    *,
    shared: str = "",
) -> str:
    """``value`` in ``format``, in ``zone`` (the active one without), and the zone's
    name; without it when it is ``shared`` (the column's heading names it)."""
    if value is None or value == "":
        return ""
    tz = _zone(zone)
    moment = _moment(value, tz)
    text = date_format(moment if isinstance(value, dt.datetime) else value, format)
    zone_label = label(value, tz)
    return text if zone_label == shared else with_label(text, zone_label)


def shared_label(
    values: Iterable[tuple[dt.datetime | dt.date | None, str | dt.tzinfo | None]],
) -> str:
    """The zone name every one of ``values`` (a value and its zone) is written in,
    or "" when they differ (each then says its own)."""
    names = {label(value, zone) for value, zone in values if value is not None}
    return names.pop() if len(names) == 1 else ""
