"""django-otp's app and model names in the reader's language.

django-otp ships no Japanese catalogue and names its models with plain strings,
so the admin showed "OTP_EMAIL", "Email devices" and "TOTP devices" in a Japanese
page. The kernel gives them translatable names once the apps are loaded. Only the
names shown change: the models' options (``_meta.original_attrs``) stay as
django-otp's migrations recorded them.
"""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

APP_NAMES = {
    "otp_totp": _("Codes by app"),
    "otp_email": _("Codes by e-mail"),
}

MODEL_NAMES = {
    ("otp_totp", "totpdevice"): (_("authenticator app"), _("authenticator apps")),
    ("otp_email", "emaildevice"): (_("e-mail code address"), _("e-mail code addresses")),
}

#: What each device list's search box finds (customers' devices are listed too).
#: django-otp builds its own help text once, at import, from the user model's field
#: names in whatever language was active then ("Search by user's メールアドレス or
#: メールアドレス" on an English page).
SEARCH_HELP = {
    "otp_totp.totpdevice": _("Search by the account's e-mail address."),
    "otp_email.emaildevice": _(
        "Search by the account's e-mail address or the address the codes are sent to."
    ),
}


def name_otp_apps() -> None:
    for label, name in APP_NAMES.items():
        if apps.is_installed(f"django_otp.plugins.{label}"):
            apps.get_app_config(label).verbose_name = name
    for (label, model_name), (one, many) in MODEL_NAMES.items():
        if apps.is_installed(f"django_otp.plugins.{label}"):
            meta = apps.get_model(label, model_name)._meta
            meta.verbose_name, meta.verbose_name_plural = one, many
