"""A value as a person types it, turned into the one a model stores."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _


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
            % {"choices": ", ".join(str(label) for code, label in model_field.flatchoices if code)}
        },
        code="invalid_choice",
    )


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()
