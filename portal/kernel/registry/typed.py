"""A value as a person types it, turned into the one a model stores."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from portal.kernel.dates import TypedDateField, parse_date
from portal.kernel.wording import listed


def typed_value(model_field, value):
    """``value`` as a person types it (:func:`typed_date`, :func:`choice_code`)."""
    return choice_code(model_field, typed_date(model_field, value))


def typed_date(model_field, value):
    """For a date field, ``value`` as people type a date (full-width digits from a
    Japanese input method, 1988/4/12, 1988年4月12日) read as the date, and
    ValidationError in the forms' words (:class:`TypedDateField`) for text that is
    no date; any other value is given back for the field to check."""
    if (
        isinstance(value, str)
        and value.strip()
        and isinstance(model_field, models.DateField)
        and not isinstance(model_field, models.DateTimeField)
    ):
        day = parse_date(value)
        if day is None:
            raise ValidationError(TypedDateField.default_error_messages["invalid"], code="invalid")
        return day
    return value


def choice_code(model_field, value):
    """The stored code of a choice typed as its code or its label in any of the
    site's languages (ignoring case and width); ValidationError naming the choices
    for anything else. A field without choices gets ``value`` back."""
    if not model_field.choices or not isinstance(value, str):
        return value
    codes = {str(code): code for code, _label in model_field.flatchoices}
    if value in codes:
        return codes[value]
    typed = _folded(value)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, label in model_field.flatchoices:
                if typed in (_folded(str(code)), _folded(str(label))):
                    return code
    raise ValidationError(
        {
            model_field.name: _("Choose one of: %(choices)s.")
            % {"choices": listed(label for code, label in model_field.flatchoices if code)}
        },
        code="invalid_choice",
    )


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()
