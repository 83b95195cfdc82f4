"""E-mail addresses as people type them."""

from __future__ import annotations

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

#: A wrong address, in the site's spelling ("e-mail", not Django's "email").
INVALID_EMAIL = _("Enter a valid e-mail address.")


class TypedEmailField(forms.EmailField):
    """An e-mail address as people type it: a Japanese input method in full-width
    mode gives ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ, which is read as taro@example.com (NFKC),
    the way one-time codes and phone numbers are read.

    A wrong address is refused in the site's spelling, "e-mail", not Django's "email"
    (the field's message replaces its validator's, which has the same code)."""

    default_error_messages = {"invalid": INVALID_EMAIL}

    def to_python(self, value):
        return super().to_python(read_typed(value))


def read_typed(value: str) -> str:
    """``value`` read as :class:`TypedEmailField` reads it: full width as ASCII (NFKC)."""
    return unicodedata.normalize("NFKC", value) if value else value
