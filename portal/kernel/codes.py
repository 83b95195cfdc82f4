"""One-time codes as people type them.

Japanese input methods often give full-width digits (``１２３４５６``), and
people copy codes in groups (``123 456``, ``123-456``). :func:`normalize_code`
turns these into the ASCII digits the devices compare against;
:class:`OneTimeCodeField` is the field of every code form, so a malformed code
is refused by the form before it reaches a device and uses up no attempt.
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

CODE_LENGTH = 6

# Hyphen-like marks typed between groups of digits, including the long-vowel
# mark "ー" a Japanese input method gives for "-". Spaces of any width are
# removed by str.split().
_SEPARATORS = str.maketrans("", "", "-‐‑‒–—―−ー")


def email_code_minutes() -> int:
    """How long a code sent by e-mail stays valid, in whole minutes (at least one):
    ``OTP_EMAIL_TOKEN_VALIDITY``, as the code mail and the pages that ask for the
    code state it."""
    return max(1, settings.OTP_EMAIL_TOKEN_VALIDITY // 60)


def link_valid_hours() -> int:
    """How long a link mailed to confirm an address stays valid, in whole hours
    (``PASSWORD_RESET_TIMEOUT``), as the mail and the page after signing up state it;
    0 when it is shorter than an hour, and the texts then say "a limited time"."""
    return settings.PASSWORD_RESET_TIMEOUT // 3600


def normalize_code(value: str | None) -> str:
    """``value`` in NFKC (full-width digits become ASCII), without spaces or hyphens.

    Anything else is kept, so a code with other characters still fails the
    check that it is six digits.
    """
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(text.split()).translate(_SEPARATORS)


class OneTimeCodeField(forms.CharField):
    """A six-digit code, cleaned by :func:`normalize_code`; error code ``invalid``."""

    default_error_messages = {"invalid": _("Enter the 6-digit code.")}
    default_validators = [RegexValidator(rf"\A[0-9]{{{CODE_LENGTH}}}\Z", code="invalid")]

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        return normalize_code(super().to_python(value))
