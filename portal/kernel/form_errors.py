"""A form's errors as one line of text that names each field (for admin messages)."""

from django.utils.translation import gettext as _


def form_errors_text(form) -> str:
    """``"Reason: This field is required."`` for each field in error, in form order;
    errors of the whole form as they are."""
    parts = []
    for name, errors in form.errors.items():
        text = " ".join(errors)
        field = form.fields.get(name)
        if field is not None:
            label = field.label or name.replace("_", " ").capitalize()
            text = _("%(field)s: %(errors)s") % {"field": label, "errors": text}
        parts.append(text)
    return " ".join(parts)
