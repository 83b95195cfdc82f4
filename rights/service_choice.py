"""Choosing services on a request form: the customer's own, offered by name in the
reader's language (the customer's forms, the staff entry form, the API)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from portal.kernel.models import Service
from portal.kernel.service_choices import ServiceMultipleChoiceField


def customer_services(subject):
    """The services ``subject`` is or was registered with."""
    return Service.objects.filter(registrations__user=subject).distinct().order_by("code")


class ServiceChoiceField(ServiceMultipleChoiceField):
    """The services offered by name; refuses an id too long for any primary key before
    asking the database, which (SQLite) would fail on the number rather than find
    nothing."""

    def _check_values(self, value):
        for pk in value:
            if len(str(pk)) > 18:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)
