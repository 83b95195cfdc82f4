"""Rendering the registry's subject view: values of any type, and page links."""

import datetime
from decimal import Decimal

from django import template
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal.kernel import zones
from portal.kernel.registry import NOT_APPLICABLE

register = template.Library()

#: Characters from which a table cell may wrap anywhere (messages, invoice items).
LONG_TEXT = 24
#: Characters up to which text stays on one line ("Sign-up", お問い合わせフォーム).
SHORT_TEXT = 10


@register.filter
def pd_value(value):
    """A stored value as the pages show it; an empty one as a muted dash, read out as
    "not registered", or as "not applicable" for a field that does not apply to the
    record (``NOT_APPLICABLE``)."""
    if value is NOT_APPLICABLE:
        return format_html(
            '<span class="pd-none pd-na" aria-hidden="true">—</span>'
            '<span class="visually-hidden">{}</span>',
            _("not applicable"),
        )
    if value is None or value == "" or value == []:
        return format_html(
            '<span class="pd-none" aria-hidden="true">—</span>'
            '<span class="visually-hidden">{}</span>',
            _("not registered"),
        )
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return zones.with_label(*_day_and_time(value))
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, int):
        return formats.number_format(value, force_grouping=True)
    return value


def _day_and_time(value: datetime.datetime, shared: str = "") -> tuple[str, str]:
    """A time in the active zone as its text and its zone's name; no name when it
    is ``shared`` (the column's heading names it)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    zone = zones.label(value)
    text = formats.date_format(value, "SHORT_DATETIME_FORMAT")
    return text, "" if zone == shared else zone


@register.filter
def pd_is_long(value) -> bool:
    """Text long enough to wrap in a table cell; short values stay on one line."""
    return isinstance(value, str) and len(value) > LONG_TEXT


@register.filter
def pd_cell(value, shared="") -> str:
    """One cell of a table of records, marked for how it may wrap when the table is
    short of room (``static/css/portal.css``): long text anywhere (``pd-long``), a
    date and time between the two (``pd-when``), a date, a number or a short text
    not at all (``pd-whole``), other text between words (or Japanese phrases).
    A time names its zone unless it is ``shared``, the one its column's heading names
    (``Section.zones``)."""
    if isinstance(value, Promise):
        value = str(value)  # a choice's label
    if isinstance(value, datetime.datetime):
        text, zone = _day_and_time(value, shared)
        day, _space, time = text.rpartition(" ")
        return format_html(
            '<td class="pd-when"><span>{}</span> <span>{}</span></td>',
            day,
            zones.with_label(time, zone),
        )
    if pd_is_long(value):
        return format_html('<td class="pd-long">{}</td>', pd_value(value))
    if isinstance(value, datetime.date | int | float | Decimal) or (
        isinstance(value, str) and len(value) <= SHORT_TEXT
    ):
        return format_html('<td class="pd-whole">{}</td>', pd_value(value))
    return format_html("<td>{}</td>", pd_value(value))


@register.simple_tag(takes_context=True)
def page_url(context, page, number):
    """The current URL with one section's page parameter set to ``number``."""
    params = context["request"].GET.copy()
    if int(number) <= 1:
        params.pop(page.param, None)
    else:
        params[page.param] = int(number)
    query = urlencode(sorted(params.lists()), doseq=True)
    return f"?{query}" if query else "?"


@register.filter
def pd_list(items) -> str:
    """Items joined as a list in the active language: 「、」 in Japanese, ", " otherwise."""
    separator = "、" if (get_language() or "ja").startswith("ja") else ", "
    return separator.join(str(item) for item in items)
