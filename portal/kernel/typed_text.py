"""Characters that never belong in text a person typed, and the two places that refuse
them: the bad-text middleware (``BadTextMiddleware``) before any view, and a form that
takes the pasted ones on itself (:class:`ControlCharactersFormMixin` with
:func:`form_refuses_control_characters` on its view).

Control characters other than tab and line breaks arrive in real typing: a form feed
or an escape pasted from a PDF or a terminal. A form names them on the field and
gives back what was typed; a 400 page would lose a whole request form. NUL (which
PostgreSQL cannot store) and U+FFFD (what Django puts where the bytes were not
valid UTF-8, so the real text is lost) and the two non-characters stay with the
middleware on every page, as do the query and the fields' names.
"""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

#: Control characters a person may paste: C0 other than NUL, tab, line feed and
#: carriage return; DEL; C1.
PASTED_CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: What no view ever receives, whatever it checks itself.
NEVER_TEXT = re.compile("[\x00\ufffd\ufffe\uffff]")
#: Both: what the middleware refuses on a page whose form does not check.
UNREADABLE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ufffe\uffff]")

CONTROL_CHARACTERS_MESSAGE = _(
    "This text held control characters, which cannot be saved (often in text copied "
    "from a PDF). We have taken them out: please check the text and send it again."
)
#: A password is never shown again: there is no text to check, only to type again.
PASSWORD_CONTROL_CHARACTERS_MESSAGE = _(
    "The password held control characters, which a password cannot contain. Please "
    "enter the password again."
)

#: The attribute :func:`form_refuses_control_characters` sets on a view.
VIEW_FLAG = "form_refuses_control_characters"


def form_refuses_control_characters(view):
    """Mark a view whose form refuses pasted control characters itself, on the field
    (:class:`ControlCharactersFormMixin`): the middleware then lets the form's values
    with them through, and still refuses NUL, unreadable bytes, and any of these
    characters in the query or a field's name. Only for a view that stores no posted
    value but through such a form. Put it outermost."""
    setattr(view, VIEW_FLAG, True)
    return view


def without_control_characters(text: str, *, separator: str) -> str:
    """``text`` with the pasted control characters taken out, as a form shows it again:
    a form feed or vertical tab becomes ``separator`` (a line break in a text area, a
    space in a line, nothing in an e-mail address), so the words it separated stay
    apart where words may be."""
    return PASTED_CONTROLS.sub(lambda m: separator if m[0] in "\x0b\x0c" else "", text)


def _separator(field: forms.Field) -> str:
    if isinstance(field.widget, forms.Textarea):
        return "\n"
    return "" if isinstance(field, forms.EmailField) else " "


class ControlCharactersFormMixin(forms.Form):
    """Refuse pasted control characters in every text field with a message on the
    field, and show the text again without them, so the person checks it and sends it
    again instead of hunting for an invisible character. The message is the field's
    only one: the field's own checks judged the text with the characters, not the
    text shown (an address with a form feed is no address); they judge it again when
    it is sent again."""

    def full_clean(self):
        super().full_clean()
        if not self.is_bound:
            return
        data = None
        for name, field in self.fields.items():
            if not isinstance(field, forms.CharField) or field.disabled:
                continue
            key = self.add_prefix(name)
            if hasattr(self.data, "getlist"):
                values = self.data.getlist(key)
            else:
                value = self.data.get(key)
                values = value if isinstance(value, list) else [value]
            if not any(isinstance(v, str) and PASTED_CONTROLS.search(v) for v in values):
                continue
            self._errors.pop(name, None)
            password = isinstance(field.widget, forms.PasswordInput)
            self.add_error(
                name,
                PASSWORD_CONTROL_CHARACTERS_MESSAGE if password else CONTROL_CHARACTERS_MESSAGE,
            )
            if data is None:
                data = self.data.copy()
            separator = _separator(field)
            kept = [
                without_control_characters(v, separator=separator) if isinstance(v, str) else v
                for v in values
            ]
            if hasattr(data, "setlist"):
                data.setlist(key, kept)
            else:
                data[key] = kept if isinstance(self.data.get(key), list) else kept[0]
        if data is not None:
            # The page shows the text again without them.
            self.data = data
