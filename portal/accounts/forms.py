from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.utils.translation import gettext_lazy as _

from consent.forms import SignupConsentMixin
from portal.kernel import outbox, stepup
from portal.kernel.codes import OneTimeCodeField
from portal.kernel.dates import TypedDateField, date_of_birth_input
from portal.kernel.models import CustomerTOTPDevice, Profile
from portal.kernel.tasks import send_password_reset_email_to
from portal.kernel.throttle import LoginThrottleMixin
from portal.kernel.typed_email import TypedEmailField
from portal.kernel.typed_text import ControlCharactersFormMixin

User = get_user_model()

# What a customer reads when a field is left empty, instead of Django's generic
# "This field is required.": what is missing and what to do.
EMAIL_MISSING = _("Enter your e-mail address.")
FULL_NAME_MISSING = _("Enter your full name.")
PASSWORD_MISSING = _("Enter your password.")
NEW_PASSWORD_MISSING = _("Enter the new password.")
NEW_PASSWORD_AGAIN_MISSING = _("Enter the new password again to confirm it.")
#: The gender list's empty choice: nothing given yet, unlike 「回答しない」 (an answer).
GENDER_NOT_CHOSEN = _("Not chosen")


def _missing(form: forms.BaseForm, messages: dict) -> None:
    """Give the fields of ``form`` (one of Django's own) a message for an empty value."""
    for name, message in messages.items():
        form.fields[name].error_messages["required"] = message


class SignupForm(ControlCharactersFormMixin, SignupConsentMixin, forms.Form):
    email = TypedEmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": EMAIL_MISSING},
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": FULL_NAME_MISSING},
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
        error_messages={"required": _("Choose a password.")},
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Enter the password again to confirm it.")},
    )

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"])

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            candidate = User(email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LoginForm(LoginThrottleMixin, AuthenticationForm):
    """E-mail and password; an address not yet verified cannot log in.

    Throttled per account and per network address (``portal.kernel.throttle``).
    """

    username = TypedEmailField(
        label=_("E-mail address"),
        max_length=254,
        # No autofocus (WCAG 2.4.1, 2.4.3): the page starts at the top, the skip link
        # first, and a screen reader reads the heading and any notice before the form.
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": EMAIL_MISSING},
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The e-mail address or the password is not correct."),
        "unverified": _(
            "Please confirm your e-mail address first: follow the link we sent you. "
            "You can ask for a new link below."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _missing(self, {"password": PASSWORD_MISSING})

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff and not user.email_verified:
            raise forms.ValidationError(self.error_messages["unverified"], code="unverified")


class ResendVerificationForm(forms.Form):
    email = TypedEmailField(
        label=_("E-mail address"), max_length=254, error_messages={"required": EMAIL_MISSING}
    )


class CodeForm(forms.Form):
    device = forms.ChoiceField(
        label=_("Where to get the code"),
        required=False,
        error_messages={"invalid_choice": _("Choose one of your devices.")},
    )
    token = OneTimeCodeField(
        label=_("Code"),
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}
        ),
    )

    def __init__(self, *args, devices, **kwargs):
        super().__init__(*args, **kwargs)
        self.devices = {d.persistent_id: d for d in devices}
        self.expected = stepup.expected_device(devices)
        self.fields["device"].choices = [(d.persistent_id, _device_label(d)) for d in devices]
        self.fields["device"].initial = self.expected.persistent_id

    def clean_device(self):
        value = self.cleaned_data.get("device")
        if not value:
            return self.expected
        if value not in self.devices:
            raise forms.ValidationError(_("Choose one of your devices."))
        return self.devices[value]


def _device_label(device):
    if isinstance(device, CustomerTOTPDevice):
        return _("Authenticator app")
    return _("E-mail")


class TOTPConfirmForm(forms.Form):
    token = OneTimeCodeField(
        label=_("Code shown in your app"),
        error_messages={"required": _("Enter the 6-digit code.")},
    )


class ProfileForm(ControlCharactersFormMixin, forms.ModelForm):
    class Meta:
        model = Profile
        fields = [
            "full_name",
            "full_name_kana",
            "postal_code",
            "address",
            "phone",
            "date_of_birth",
            "gender",
            "occupation",
            "industry",
        ]
        # The customer's own data: the purpose of each field (WCAG 1.3.5), so the
        # browser can offer what it keeps for them.
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "address": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel"}),
            "date_of_birth": date_of_birth_input(),
            "gender": forms.Select(attrs={"autocomplete": "sex"}),
        }
        field_classes = {"date_of_birth": TypedDateField}
        error_messages = {"full_name": {"required": FULL_NAME_MISSING}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django's blank label is 「---------」; the empty value stays "" (not given).
        self.fields["gender"].choices = [("", GENDER_NOT_CHOSEN), *Profile.Gender.choices]


class AccountLanguageForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["language"]
        labels = {"language": _("Language of our e-mails")}
        help_texts = {"language": _("We write to you in this language.")}
        error_messages = {"language": {"required": _("Choose a language.")}}


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the mail sent in the user's language by Celery.

    It answers the same whether or not the address has an account.
    """

    email = TypedEmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": EMAIL_MISSING},
    )

    def save(self, **kwargs):
        # Queued for any address, known or not, so the answer takes the same
        # time; the task finds the account. The link is made by the task, so
        # no token travels through the broker.
        outbox.enqueue(send_password_reset_email_to, self.cleaned_data["email"])


class RulesOnTheNewPasswordMixin:
    """Django checks the password rules on the repetition field ("new_password2"), so
    "too common" showed under the field that repeats the password. The rules are
    told under the new password itself; the repetition only says whether it matches
    (when it does not, Django has already said so and the rules wait)."""

    def validate_password_for_user(self, user, password_field_name="new_password2", **kwargs):
        if password_field_name == "new_password2" and "new_password2" in self.cleaned_data:
            password_field_name = "new_password1"
        super().validate_password_for_user(user, password_field_name, **kwargs)


class PortalPasswordChangeForm(RulesOnTheNewPasswordMixin, PasswordChangeForm):
    """Django's password change form, saying which password is missing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _missing(
            self,
            {
                "old_password": _("Enter your current password."),
                "new_password1": NEW_PASSWORD_MISSING,
                "new_password2": NEW_PASSWORD_AGAIN_MISSING,
            },
        )


class PortalSetPasswordForm(RulesOnTheNewPasswordMixin, SetPasswordForm):
    """Django's form for a new password after a reset link, saying which is missing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _missing(
            self,
            {"new_password1": NEW_PASSWORD_MISSING, "new_password2": NEW_PASSWORD_AGAIN_MISSING},
        )


class EmailChangeForm(ControlCharactersFormMixin, forms.Form):
    """A new login address, and the current password to show it is the customer.

    Refuses the current login (in any case) and a wrong password; an address
    another account has is accepted here and handled by mail, as at sign-up.
    """

    new_email = TypedEmailField(
        label=_("New e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": _("Enter the new e-mail address.")},
    )
    password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your current password.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_new_email(self):
        address = User.objects.normalize_email(self.cleaned_data["new_email"])
        if address.lower() == self.user.email.lower():
            raise forms.ValidationError(
                _("This is already your login e-mail address."), code="same"
            )
        return address

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("Your password is not correct. Enter the password you log in with."),
                code="password_incorrect",
            )
        return password
