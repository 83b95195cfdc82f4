"""Columns of the staff lists that must fit beside the admin's navigation and filters
(``static/css/admin-lists.css``): a day on one line, a period as two days that wrap
between them, a long text cut to a few lines with the whole of it in its title."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html


def day(value: dt.date | dt.datetime | None):
    """The day, on one line; a time of day is in the title (shown on hover)."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value)
        return format_html(
            '<span class="rr-day" title="{}">{}</span>',
            date_format(local, "DATETIME_FORMAT"),
            date_format(local.date(), "DATE_FORMAT"),
        )
    return format_html('<span class="rr-day">{}</span>', date_format(value, "DATE_FORMAT"))


def period(first: dt.date | None, last: dt.date | None):
    """From ``first`` to ``last`` (open-ended without it), wrapping between the two days."""
    return format_html("{} – {}", day(first), day(last) if last else "")


def clipped(text: str):
    """A long text cut to three lines in the list; the whole text in its title."""
    if not text:
        return "—"
    return format_html('<span class="rr-clip" title="{}">{}</span>', text, text)
