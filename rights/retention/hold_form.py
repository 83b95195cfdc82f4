"""The legal-hold form: the customer is found by search (the admin's autocomplete),
and specific records are ticked in a list of that customer's records, per source.

The list is built on the server from the customer chosen (the form's data, or
``?subject=`` on the add page, which ``static/js/hold-records.js`` fetches again
when staff pick another customer), so a record of someone else cannot be chosen.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from portal.kernel import zones
from portal.kernel.dates import portal_day
from portal.kernel.registry import Category, ModelSource, registry

from .holds import selectors as H
from .holds.services import check_new_hold, check_records
from .models import LegalHold
from .scope import is_account_source

#: Records listed per source, newest first; a customer with more is held whole.
PICKER_LIMIT = 200
#: What a hold without a service covers (``LegalHold.service``).
EVERY_SERVICE = _("Every service")
#: What a hold without a customer covers (``LegalHold.subject``).
EVERY_CUSTOMER = _("Every customer of the service")


def days_in_portal_zone(help_text) -> str:
    """A hold's day's help text, naming the zone its days count in (``portal_day``)."""
    return _("%(help)s Days count in the portal's time zone (%(zone)s).") % {
        "help": help_text,
        "zone": zones.label(zone=settings.TIME_ZONE),
    }


def _label(row: dict, field: str | None) -> str:
    day = row.get(field) if field else None
    return f"#{row['pk']} · {formats.date_format(day, 'Y-m-d')}" if day else f"#{row['pk']}"


def record_choices(subject) -> list[tuple[str, list[tuple[str, str]]]]:
    """``[(source label, [("source:id", "#id · date"), ...]), ...]`` for one customer."""
    groups = []
    for source in registry.sources():
        if not isinstance(source, ModelSource) or is_account_source(source):
            continue
        field = H.record_date_field(source)
        rows = (
            source.queryset(subject)
            .order_by("-pk")
            .values("pk", *([field] if field else []))[:PICKER_LIMIT]
        )
        options = [(f"{source.key}:{row['pk']}", _label(row, field)) for row in rows]
        if options:
            groups.append((str(source.label), options))
    return groups


class LegalHoldForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("Data categories"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to hold every category."),
    )
    records = forms.MultipleChoiceField(
        label=_("Specific records"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "rt-record-picker"}),
        help_text=_(
            "The chosen customer's records, per source (newest first). Tick none to hold "
            "all of them."
        ),
    )

    class Meta:
        model = LegalHold
        fields = [
            "subject",
            "service",
            "categories",
            "records",
            "reason",
            "legal_basis",
            "starts_on",
            "ends_on",
        ]
        # A placed hold's page shows these in words (LegalHoldAdmin.shown_after).
        help_texts = {
            "held_subject": _("The customer whose data the hold keeps."),
            "held_service": _("The service whose data the hold keeps."),
            "category_names": _("The kinds of data the hold keeps."),
            "record_list": _(
                'The records the hold keeps, as source and number; "All": every record of '
                "the kinds above."
            ),
            "waiting_erasures": _(
                "Erasures put off because of this hold; they run once it is released or ends."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "service" in self.fields:
            # No service: the hold covers the customer's data of every service.
            self.fields["service"].empty_label = EVERY_SERVICE
        for name in ("starts_on", "ends_on"):
            if name in self.fields:
                self.fields[name].help_text = days_in_portal_zone(self.fields[name].help_text)
        self.record_subject = self._chosen_subject()
        if "records" in self.fields:
            self.fields["records"].choices = (
                record_choices(self.record_subject) if self.record_subject else []
            )

    def _chosen_subject(self):
        field = self.fields.get("subject")
        value = self.data.get("subject") if self.is_bound else self.initial.get("subject")
        if field is None or not str(value or "").isdigit():
            return None
        return field.queryset.filter(pk=int(value)).first()

    def clean_records(self):
        return check_records(self.cleaned_data["records"])

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        candidate = LegalHold(
            subject=cleaned.get("subject"),
            service=cleaned.get("service"),
            categories=sorted(set(cleaned.get("categories") or [])),
            records=cleaned.get("records") or [],
            starts_on=cleaned.get("starts_on") or portal_day(),
            ends_on=cleaned.get("ends_on"),
        )
        try:
            check_new_hold(candidate)
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned
