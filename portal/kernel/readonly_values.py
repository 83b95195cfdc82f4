"""A read-only field of an admin form, and a yes/no column of a list, in words where
Django's rendering has none.

Django shows a yes/no value as an icon whose only text is Python's ``True`` or
``False`` (in English, on a Japanese page too), and a list of related records
that is empty (a service without handlers) as an empty box: a reader, and a
screen reader, learn nothing there. Here the icon is decoration beside "Yes" or
"No" in the reader's language (in a list's column too: :class:`YesNoColumnsMixin`,
which the portal's admin site adds to every ModelAdmin), and an empty list reads as
the admin's empty value.
"""

from __future__ import annotations

from django.contrib.admin.utils import lookup_field
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
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


def _yes_no_column(name: str, description, ordering, read):
    def column(obj):
        value = read(obj)
        return yes_no(value) if value in _ICONS else value

    column.__name__ = name  # the column keeps its class names (column-<name>, field-<name>)
    column.short_description = description
    if ordering:
        column.admin_order_field = ordering
    return column


class YesNoColumnsMixin:
    """A list's yes/no columns in words too: Django's own cell is the icon whose only
    text is ``True`` or ``False``."""

    def get_list_display(self, request):
        columns = []
        for name in super().get_list_display(request):
            columns.append(self._yes_no_column(name) if isinstance(name, str) else name)
        return columns

    def _yes_no_column(self, name: str):
        attr = getattr(self, name, None)
        if attr is not None:
            if not getattr(attr, "boolean", False):
                return name
            return _yes_no_column(
                name, getattr(attr, "short_description", name), _ordering(attr), attr
            )
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return name
        if not isinstance(field, models.BooleanField):
            return name
        return _yes_no_column(name, field.verbose_name, name, lambda obj: getattr(obj, name))


def _ordering(attr):
    return getattr(attr, "admin_order_field", None)
