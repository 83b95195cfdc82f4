"""A form's errors named by their field: one line of text (for admin messages) or one
line per error (the error summary at the top of a page)."""

from django.utils.translation import gettext as _

#: Punctuation a label may end in that the joining colon would double ("…decision.:").
_LABEL_END = ".。:：?？"


def error_line(label, errors: str) -> str:
    """``"Reason: This field is required."`` in the active language (a full-width colon
    in Japanese), without doubling a colon or full stop the label ends in."""
    label = str(label or "").rstrip().rstrip(_LABEL_END).rstrip()
    if not label:
        return errors
    return _("%(field)s: %(errors)s") % {"field": label, "errors": errors}


def form_errors_text(form) -> str:
    """``"Reason: This field is required."`` for each field in error, in form order;
    errors of the whole form as they are."""
    parts = []
    for name, errors in form.errors.items():
        text = " ".join(errors)
        field = form.fields.get(name)
        if field is not None:
            text = error_line(field.label or name.replace("_", " ").capitalize(), text)
        parts.append(text)
    return " ".join(parts)
