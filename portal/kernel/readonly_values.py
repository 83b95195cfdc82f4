"""A read-only field of an admin form in words, where Django's rendering has none.

Django shows a yes/no value as an icon whose only text is Python's ``True`` or
``False`` (in English, on a Japanese page too), and a list of related records
that is empty (a service without handlers) as an empty box: a reader, and a
screen reader, learn nothing there. Here the icon is decoration beside "Yes" or
"No" in the reader's language, and an empty list reads as the admin's empty value.
"""

from __future__ import annotations

from django.contrib.admin.utils import lookup_field
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

_ICONS = {True: "yes", False: "no", None: "unknown"}


def yes_no(value: bool | None) -> SafeString:
    """The admin's yes/no icon (decoration only) with the answer in words."""
    words = {True: gettext("Yes"), False: gettext("No"), None: gettext("Unknown")}
    return format_html(
        '<img src="{}" alt=""> {}',
        static(f"admin/img/icon-{_ICONS[value]}.svg"),
        words[value],
    )


def in_words(field) -> SafeString | str | None:
    """What the read-only ``field`` (an ``AdminReadonlyField``) shows, when Django's
    own ``contents()`` would show no words; None where Django's is kept."""
    try:
        model_field, attr, value = lookup_field(
            field.field["field"], field.form.instance, field.model_admin
        )
    except (AttributeError, ValueError, ObjectDoesNotExist):
        return None
    if model_field is None:
        boolean = getattr(attr, "boolean", False)
        return yes_no(value) if boolean and value in _ICONS else None
    if isinstance(model_field, models.BooleanField) and value in _ICONS:
        return yes_no(value)
    if model_field.many_to_many and value is not None and not value.exists():
        return field.empty_value_display
    return None
