"""Forms for the customer's consent choices, at sign-up and on the consent page."""

from django import forms
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import PolicyVersion, Purpose
from .services import SignupConsent


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


class SignupConsentMixin(PurposeChoicesMixin):
    """For the sign-up form: accept the current policy, choose optional purposes.

    The optional purposes start unticked: consent is never assumed. The
    acceptance box is required and links to the public policy page.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_purpose_fields(selectors.optional_purposes())
        self.policy_version = selectors.current_policy_version()
        if self.policy_version is not None:
            self.fields["accept_policy"] = forms.BooleanField(
                label=_("I have read the privacy policy and accept it."),
                help_text=_policy_link(self.policy_version),
                error_messages={
                    "required": _("Please accept the privacy policy to create an account.")
                },
            )

    def signup_consent(self) -> SignupConsent:
        return SignupConsent(policy_version=self.policy_version, purposes=self.purpose_choices())


def _policy_link(version: PolicyVersion):
    text = _("Read the privacy policy (version %(version)s, in force since %(date)s)") % {
        "version": version.version,
        "date": formats.date_format(timezone.localtime(version.effective_at), "DATE_FORMAT"),
    }
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>', reverse("consent:privacy"), text
    )


class ConsentChoicesForm(PurposeChoicesMixin, forms.Form):
    """The consent page: every optional purpose, ticked as the customer chose last."""

    def __init__(self, *args, purposes, current: dict[int, bool], **kwargs):
        super().__init__(*args, **kwargs)
        self.add_purpose_fields(purposes, current=current)
