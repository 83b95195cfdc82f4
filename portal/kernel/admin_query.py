"""Admin pages take from their query string only values their fields accept.

Staff pages link to each other through query strings: ``?subject=12`` opens
the legal hold form for customer 12, ``?subject_id__exact=12`` lists that
customer's holds. Django passes the raw text on: to an add form's widget,
which failed on ``?subject=abc`` or a date that is not one, and to a list's
SQL, which failed on a number beyond the column's range (SQLite) or an IP
address that is not one (PostgreSQL). Each value naming a model field is now
checked by that field first:

- an add form leaves out a value its field refuses, as a plain select does;
- a list refuses the whole query string as Django does any bad lookup (a
  redirect to ``?e=1``, the list unfiltered), and says which value it refused.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.admin.views.main import IGNORED_PARAMS
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models.constants import LOOKUP_SEP
from django.utils import timezone
from django.utils.translation import gettext

REFUSED = (ValidationError, ValueError, TypeError, OverflowError)
#: Lookups whose value is a value of the field (``in``: several, comma-separated).
VALUE_LOOKUPS = {"exact", "iexact", "gt", "gte", "lt", "lte", "in"}


def _cleaned(field, value):
    if field.many_to_many:
        values = value if isinstance(value, list) else [value]
        return [field.target_field.clean(item, None) for item in values]
    return field.clean(value, None)


def _checked(field, value) -> None:
    """Raise what ``field`` raises for ``value`` as a lookup value (its type, its range)."""
    target = field.target_field if field.is_relation else field
    python = target.to_python(value)
    target.run_validators(python)
    if isinstance(python, dt.datetime) and timezone.is_naive(python):
        # Stored in UTC: the first day of the calendar, read in a zone east of
        # Greenwich, is a day before it (OverflowError when the SQL is built).
        timezone.make_aware(python).astimezone(dt.UTC)


def _lookup_field(model, key: str):
    """The field and lookup a list's query-string key filters on, or ``None``.

    Only keys Django's own filters write are read (``subject_id__exact``,
    ``service__id__in``, ``subject_id``): a bare name such as ``subject`` may
    belong to a list filter of the page's own, holding an e-mail address.
    """
    if LOOKUP_SEP not in key and not any(
        f.attname == key != f.name for f in model._meta.concrete_fields
    ):
        return None
    parts = key.split(LOOKUP_SEP)
    lookup = "exact"
    if len(parts) > 1 and parts[-1] in VALUE_LOOKUPS:
        lookup = parts.pop()
    try:
        fields = get_fields_from_path(model, LOOKUP_SEP.join(parts))
    except (FieldDoesNotExist, NotRelationField):
        return None
    return fields[-1], lookup


class CheckedQueryMixin:
    """Check a page's query-string values against the model's fields before Django uses them."""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        for key, value in list(initial.items()):
            try:
                field = self.model._meta.get_field(key)
            except FieldDoesNotExist:
                continue
            if not field.concrete and not field.many_to_many:
                continue
            try:
                initial[key] = _cleaned(field, value)
            except REFUSED:
                del initial[key]
        return initial

    def get_changelist_instance(self, request):
        for key, values in request.GET.lists():
            if key in IGNORED_PARAMS:
                continue
            found = _lookup_field(self.model, key)
            if found is None:
                continue
            field, lookup = found
            for value in values:
                _refuse_unless_possible(request, field, lookup, value)
        return super().get_changelist_instance(request)

    def get_changelist(self, request, **kwargs):
        return type("CheckedChangeList", (_CheckedRemaining, super().get_changelist(request)), {})


def _refuse_unless_possible(request, field, lookup: str, value: str) -> None:
    try:
        for item in value.split(",") if lookup == "in" else [value]:
            _checked(field, item)
    except REFUSED as error:
        messages.warning(
            request,
            gettext(
                "“%(value)s” is not a possible %(field)s: the list is shown "
                "without the filters of its address."
            )
            % {"value": value, "field": field.verbose_name},
        )
        raise IncorrectLookupParameters(error) from error


class _CheckedRemaining:
    """A changelist that also checks the bare names no list filter took (``?service=3``),
    which Django applies as ``filter(service=...)``: a list filter of the page's own may
    use such a name for a value of another kind, so only what is left is checked."""

    def get_filters(self, request):
        found = super().get_filters(request)
        for key, values in found[2].items():
            if LOOKUP_SEP in key:
                continue  # checked before the changelist was built
            try:
                field = self.model._meta.get_field(key)
            except FieldDoesNotExist:
                continue
            if field.concrete or field.many_to_many:
                for value in values if isinstance(values, list) else [values]:
                    _refuse_unless_possible(request, field, "exact", value)
        return found
