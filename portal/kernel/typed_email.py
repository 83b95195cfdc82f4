"""E-mail addresses as people type them."""

from __future__ import annotations

import unicodedata

from django import forms


class TypedEmailField(forms.EmailField):
    """An e-mail address as people type it: a Japanese input method in full-width
    mode gives ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ, which is read as taro@example.com (NFKC),
    the way one-time codes and phone numbers are read."""

    def to_python(self, value):
        return super().to_python(unicodedata.normalize("NFKC", value) if value else value)
