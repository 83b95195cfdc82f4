"""Dates as the pages and e-mails write them (portal/formats), for assertions."""

import datetime as dt
import re

from django.utils import formats, timezone, translation

#: Date styles no page or e-mail may use any more: ISO, slashes, US, dropped minutes.
OTHER_STYLES = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}/\d{2}/\d{2}|\d{1,2}/\d{1,2}/\d{4}|[ap]\.m\.")


def shown_date(value: dt.date | dt.datetime, language: str) -> str:
    """``value`` (a moment in local time) as ``DATE_FORMAT`` writes it in ``language``."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    with translation.override(language):
        return formats.date_format(value, "DATE_FORMAT")
