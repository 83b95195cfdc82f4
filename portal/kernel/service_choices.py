"""Services offered in a form by name in the reader's language, as every list of
services reads (:func:`portal.kernel.models.services.by_name`), never by code.

:class:`ServicesByNameAdminMixin` does it for every select menu of services in the
staff admin; the admin site adds it to each ModelAdmin it registers.
"""

from __future__ import annotations

from django import forms

from .models import Service
from .models.services import by_name


class ServicesByName(forms.models.ModelChoiceIterator):
    """The choices of a field over services, sorted by name in the active language."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for service in by_name(self.queryset):
            yield self.choice(service)


class ServiceChoiceField(forms.ModelChoiceField):
    iterator = ServicesByName

    def label_from_instance(self, obj):
        return obj.display_name


class ServiceMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = ServicesByName

    def label_from_instance(self, obj):
        return obj.display_name


class ServicesByNameAdminMixin:
    """A foreign key or many-to-many to Service is chosen from a menu by name."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Service:
            kwargs.setdefault("form_class", ServiceChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is Service:
            kwargs.setdefault("form_class", ServiceMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
