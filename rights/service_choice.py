"""Choosing services on a request form: the customer's own, offered by name in the
reader's language (the customer's forms, the staff entry form, the API)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from portal.kernel.models import Service
from portal.kernel.models.services import by_name


def customer_services(subject):
    """The services ``subject`` is or was registered with."""
    return Service.objects.filter(registrations__user=subject).distinct().order_by("code")


class _ServicesByName(forms.models.ModelChoiceIterator):
    """The services offered by name in the reader's language, as "my data" lists them."""

    def __iter__(self):
        for service in by_name(self.queryset):
            yield self.choice(service)


class ServiceChoiceField(forms.ModelMultipleChoiceField):
    """The services offered by name; refuses an id too long for any primary key before
    asking the database, which (SQLite) would fail on the number rather than find
    nothing."""

    iterator = _ServicesByName

    def _check_values(self, value):
        for pk in value:
            if len(str(pk)) > 18:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)

    def label_from_instance(self, obj):
        return obj.display_name
