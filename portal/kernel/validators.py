"""Checks of the contact details a person types: phone number, postal code, kana reading,
a name that we write into e-mails to someone else.

Each accepts what people write in Japan and abroad (full-width digits, the
long dash of a Japanese keyboard, a leading 〒 or +) and refuses text that
cannot be the item, with a message that shows what is expected.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: Separators people put between the groups of a phone number's digits.
_PHONE_SEPARATORS = " -‐−–ー().・"
#: E.164 numbers have at most 15 digits; a local number at least 6.
PHONE_DIGITS = (6, 15)

_POSTAL_CODE = re.compile(r"\A(?=.*[0-9])[A-Za-z0-9][A-Za-z0-9 -]{1,9}\Z")
_KANA = re.compile(r"\A[\u3041-\u309f\u30a0-\u30ff ]+\Z")
#: What makes a name carry a link: a web address or an e-mail address.
_ADDRESS_IN_NAME = re.compile(r"://|\bwww\.|[^\s@]+@[^\s@]+\.[^\s@]+", re.IGNORECASE)


def validate_phone(value: str) -> None:
    """Digits with optional separators and a leading +, 6 to 15 digits in all."""
    folded = unicodedata.normalize("NFKC", value or "").strip()
    body = folded[1:] if folded.startswith("+") else folded
    digits = [ch for ch in body if ch.isascii() and ch.isdigit()]
    if any(
        ch not in _PHONE_SEPARATORS and not (ch.isascii() and ch.isdigit()) for ch in body
    ) or not (PHONE_DIGITS[0] <= len(digits) <= PHONE_DIGITS[1]):
        raise ValidationError(
            _("Enter a phone number in digits, e.g. 03-1234-5678 or +81 3-1234-5678."),
            code="invalid_phone",
        )


def validate_postal_code(value: str) -> None:
    """A postal code: letters, digits, spaces and hyphens with at least one digit."""
    folded = unicodedata.normalize("NFKC", value or "").strip().removeprefix("〒").strip()
    if not _POSTAL_CODE.match(folded):
        raise ValidationError(_("Enter a postal code, e.g. 100-0001."), code="invalid_postal_code")


def validate_kana(value: str) -> None:
    """A reading in hiragana or katakana (half-width katakana too), with spaces."""
    folded = unicodedata.normalize("NFKC", value or "").replace("\u3000", " ").strip()
    if not _KANA.match(folded):
        raise ValidationError(
            _("Write the reading in kana, e.g. ヤマダ タロウ."), code="invalid_kana"
        )


def validate_name_without_address(value: str) -> None:
    """A name with no web or e-mail address in it (full-width forms folded first).

    For a name we write into an e-mail to another person, such as an agent's name
    in the mail asking the person they act for to confirm them: the mail comes
    from us, so a link in it would read as ours."""
    folded = unicodedata.normalize("NFKC", value or "")
    if _ADDRESS_IN_NAME.search(folded):
        raise ValidationError(
            _("Write only your name: a name cannot contain a web or e-mail address."),
            code="address_in_name",
        )
