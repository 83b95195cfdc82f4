"""Forms for the customer's consent choices, at sign-up and on the consent page."""

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portal.kernel import zones
from portal.kernel.registry import Category
from portal.kernel.typed_email import TypedEmailField
from portal.kernel.wording import sentences

from . import selectors
from .models import ConsentRecord, PolicyVersion, ProvisionRecord, Purpose, ReceiptRecord
from .services import SignupConsent

User = get_user_model()


def purpose_field_name(purpose: Purpose) -> str:
    return f"purpose_{purpose.code}"


def purpose_field(purpose: Purpose, *, initial: bool = False) -> forms.BooleanField:
    """One checkbox for an optional purpose; it starts as the customer left it. A
    purpose used until the customer stops it (``is_opt_out``) asks no consent, and
    its box does not say it does."""
    label = (
        _("Keep using my data for: %(purpose)s")
        if purpose.is_opt_out
        else _("Use my data for: %(purpose)s")
    )
    return forms.BooleanField(
        label=label % {"purpose": purpose.title},
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
        self.add_purpose_fields(selectors.consent_purposes())
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
        "date": zones.written(version.effective_at, "DATE_FORMAT"),
    }
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>', reverse("consent:privacy"), text
    )


class ConsentChoicesForm(PurposeChoicesMixin, forms.Form):
    """The consent page: every optional purpose, ticked as the customer chose last.

    An unticked box is not sent at all, so the page also sends the codes of the
    purposes it showed (``shown``), and only those are read back: a purpose
    published after the page was loaded (e.g. one used until withdrawn) is not
    withdrawn by a box the customer never saw. A client that sends no list states
    every choice, as before.
    """

    shown = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, purposes, current: dict[int, bool], **kwargs):
        super().__init__(*args, **kwargs)
        self.add_purpose_fields(purposes, current=current)
        self.fields["shown"].initial = " ".join(p.code for p in self.choice_purposes)

    def note_stopped(self, stopped) -> None:
        """Say under the box of each purpose in ``stopped`` that its use is stopped.

        A stop in force wins over the choice: the box stays as the customer left
        it (the consent stands), so without a word it would read as if ticking it
        had the data used."""
        for purpose in self.choice_purposes:
            if purpose in stopped:
                field = self.fields[purpose_field_name(purpose)]
                field.help_text = sentences(
                    [
                        field.help_text,
                        _(
                            "Stopped at your request: while the stop is in force, we do not "
                            "use your data for this, whatever you choose here."
                        ),
                    ]
                )

    def purpose_choices(self) -> dict[Purpose, bool]:
        choices = super().purpose_choices()
        if "shown" not in self.data:
            return choices
        shown = set(self.cleaned_data.get("shown", "").split())
        return {purpose: granted for purpose, granted in choices.items() if purpose.code in shown}


class PaperConsentForm(forms.Form):
    """Staff: enter a consent or withdrawal the customer gave on a paper form."""

    customer = TypedEmailField(
        label=_("Customer's e-mail address"),
        help_text=_("The account the paper form belongs to."),
    )
    purpose = forms.ModelChoiceField(
        label=_("Purpose of use"),
        queryset=Purpose.objects.filter(is_active=True, is_required=False),
        required=False,
        help_text=_("An optional purpose, or leave empty and choose a policy version."),
    )
    policy_version = forms.ModelChoiceField(
        label=_("Privacy-policy version"),
        queryset=PolicyVersion.objects.all(),
        required=False,
    )
    action = forms.ChoiceField(
        label=_("The customer"),
        choices=[
            (ConsentRecord.Action.GRANTED, _("gives consent")),
            (ConsentRecord.Action.WITHDRAWN, _("withdraws consent")),
        ],
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(
        label=_("Language of the form"),
        choices=ConsentRecord._meta.get_field("language").choices,
    )
    note = forms.CharField(
        label=_("Date on the form and where it is filed"),
        max_length=300,
        help_text=_("e.g. signed 2026-11-20, filed in binder B-12."),
    )

    def clean_customer(self):
        email = self.cleaned_data["customer"]
        user = User.objects.filter(email__iexact=email, is_staff=False).first()
        if user is None:
            raise forms.ValidationError(_("No customer has this e-mail address."))
        return user

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("purpose")) == bool(cleaned.get("policy_version")):
            raise forms.ValidationError(_("Choose either a purpose or a policy version."))
        version = cleaned.get("policy_version")
        if version is not None and not version.is_effective:
            # As on the customer's own page: only a version in force is accepted.
            self.add_error(
                "policy_version",
                _("This version is not in force yet; record the form once it is."),
            )
        return cleaned


class ProvisionRecordForm(forms.ModelForm):
    """A provision record with the kinds of data provided ticked, so that a customer's
    erasure or correction is sent only to the recipients given the kinds it concerns."""

    categories = forms.MultipleChoiceField(
        label=capfirst(ProvisionRecord._meta.get_field("categories").verbose_name),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=ProvisionRecord._meta.get_field("categories").help_text,
    )

    class Meta:
        model = ProvisionRecord
        fields = [
            "provided_on",
            "recipient",
            "subject",
            "data_items",
            "categories",
            "ground",
            "note",
        ]


class ReceiptRecordForm(forms.ModelForm):
    """A record of receipt from a third party (APPI art. 30), with the kinds of data
    received ticked."""

    categories = forms.MultipleChoiceField(
        label=capfirst(ReceiptRecord._meta.get_field("categories").verbose_name),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=ReceiptRecord._meta.get_field("categories").help_text,
    )

    class Meta:
        model = ReceiptRecord
        fields = [
            "received_on",
            "subject",
            "provider_name",
            "provider_address",
            "provider_representative",
            "provider_acquisition",
            "data_items",
            "categories",
        ]
