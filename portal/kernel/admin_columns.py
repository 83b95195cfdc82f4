"""Columns of the staff lists that must fit beside the admin's navigation and filters
(``static/css/admin-lists.css``): a day on one line, a period as two days that wrap
between them, a long text cut to a few lines with the whole of it in its title.

A list's times are in the reader's own time zone, named once in the column's heading
(:func:`zoned_heading`); a cell names its zone only where it differs, as a summer
time in a list read in winter (:func:`moment`)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import zones

#: How a list or a page calls the end of a period that has none: a hold placed without
#: an end date (it keeps data until released), a fee in force until replaced.
NO_END_DATE = _("no end date")


def day(value: dt.date | dt.datetime | None):
    """The day, on one line; a time of day is in the title (shown on hover)."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value)
        return format_html(
            '<span class="rr-day" title="{}">{}</span>',
            zones.written(local),
            date_format(local.date(), "DATE_FORMAT"),
        )
    return format_html('<span class="rr-day">{}</span>', date_format(value, "DATE_FORMAT"))


def _zoned_heading(text) -> str:
    return zones.heading(str(text), zones.label())


#: A column's heading that names the reader's zone, worked out as the list is drawn
#: (``@admin.display(description=zoned_heading(_("due at")))``).
zoned_heading = lazy(_zoned_heading, str)


def _portal_zone_heading(text) -> str:
    return zones.heading(str(text), zones.label(zone=settings.TIME_ZONE))


#: A column's heading that names the portal's zone (``TIME_ZONE``), for days counted on
#: the portal's calendar whoever reads them: a legal hold's (``portal_day``).
portal_zone_heading = lazy(_portal_zone_heading, str)


def moment(value: dt.datetime | None, format: str = "DATETIME_FORMAT") -> str:
    """A time in the reader's zone, under a :func:`zoned_heading`: its zone is named
    only when it is not the one the heading names."""
    if value is None:
        return "—"
    return zones.written(value, format, shared=zones.label())


def period(first: dt.date | None, last: dt.date | None, *, open_end=NO_END_DATE):
    """From ``first`` to ``last``, wrapping between the two days; without ``last``, to
    ``open_end``: what the list calls a period with no end ("no end date" unless the
    list says otherwise), never a dash to nothing."""
    if last is None:
        # On one line like a day, so the period wraps only between its two ends.
        return format_html('{} – <span class="rr-day">{}</span>', day(first), open_end)
    return format_html("{} – {}", day(first), day(last))


def last_day(value: dt.date | None, *, open_end=NO_END_DATE):
    """The last day of a period, or what the page calls its open end ("no end date")."""
    return date_format(value, "DATE_FORMAT") if value else open_end


def clipped(text: str):
    """A long text cut to three lines in the list; the whole text in its title."""
    if not text:
        return "—"
    return format_html('<span class="rr-clip" title="{}">{}</span>', text, text)
