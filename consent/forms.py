"""Forms for the customer's consent choices on the consent page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Purpose


def purpose_field_name(purpose: Purpose) -> str:
    return f"purpose_{purpose.code}"


def purpose_field(purpose: Purpose, *, initial: bool = False) -> forms.BooleanField:
    """One checkbox for an optional purpose; it starts as the customer left it."""
    return forms.BooleanField(
        label=_("Use my data for: %(purpose)s") % {"purpose": purpose.title},
        help_text=purpose.description,
        required=False,
        initial=initial,
    )


class PurposeChoicesMixin:
    """Adds a checkbox per optional purpose and reads the choices back."""

    def add_purpose_fields(self, purposes, *, current: dict[int, bool] | None = None) -> None:
        self.choice_purposes = list(purposes)
        for purpose in self.choice_purposes:
            initial = (current or {}).get(purpose.pk, False)
            self.fields[purpose_field_name(purpose)] = purpose_field(purpose, initial=initial)

    def purpose_choices(self) -> dict[Purpose, bool]:
        return {
            purpose: bool(self.cleaned_data.get(purpose_field_name(purpose)))
            for purpose in self.choice_purposes
        }


class ConsentChoicesForm(PurposeChoicesMixin, forms.Form):
    """The consent page: every optional purpose, ticked as the customer chose last."""

    def __init__(self, *args, purposes, current: dict[int, bool], **kwargs):
        super().__init__(*args, **kwargs)
        self.add_purpose_fields(purposes, current=current)
