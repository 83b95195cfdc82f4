"""Form helpers for templates."""

from django import forms, template
from django.utils.translation import gettext

from ..form_errors import error_line as _error_line

register = template.Library()

_FULL_WIDTH_COLON = "："


@register.simple_tag
def error_line(label, error) -> str:
    """A field's error in the error summary: ``label: error`` in the active language."""
    return _error_line(label, str(error))


@register.simple_tag(takes_context=True)
def error_title_prefix(context) -> str:
    """``Error: `` (``エラー：`` in Japanese, whose full-width colon carries its own
    space) when a form the page shows came back with errors, for the start of the
    page's title: a screen reader reads the title first (WCAG 2.1 SC 3.3.1). Any
    bound form or formset in the context counts, whatever the view named it; one the
    view did not check is not checked here (a login form would try the password). A
    view that refused what was sent without checking its form (too many attempts)
    puts its message in ``form_refused``, which counts too."""
    if context.get("form_refused"):
        return _prefix()
    for value in context.flatten().values():
        if not isinstance(value, forms.BaseForm | forms.BaseFormSet) or not value.is_bound:
            continue
        if value._errors is None:  # not checked by the view
            continue
        failed = value.errors if isinstance(value, forms.BaseForm) else value.total_error_count()
        if failed:
            return _prefix()
    return ""


def _prefix() -> str:
    label = gettext("Error:")
    return label if label.endswith(_FULL_WIDTH_COLON) else label + " "


@register.filter(is_safe=True)
def error_title(title: str) -> str:
    """An admin page's ``title``, which Django's templates start with ``Error:`` and a
    space in every language: without the space after a full-width colon
    (「エラー：利用目的を追加 | …」), as :func:`error_title_prefix` writes it."""
    label = gettext("Error:")
    if label.endswith(_FULL_WIDTH_COLON) and title.startswith(label + " "):
        return label + title[len(label) + 1 :]
    return title


@register.simple_tag
def described_widget(field) -> str:
    """The widget of the bound ``field``, each of its boxes naming the field's help
    text and error message in ``aria-describedby``. Django names them only on a
    widget of one box; a widget of several (a date and a time, boxes to tick) it
    leaves to a fieldset around them, which the admin does not draw: a screen reader
    on a box read no error (WCAG 3.3.1). The ids are those the admin's fieldset gives
    the help text and the error list."""
    ids = []
    if field.use_fieldset and field.auto_id and not field.is_hidden:
        if field.help_text and field.id_for_label:
            ids.append(f"{field.id_for_label}_helptext")
        if field.errors:
            ids.append(f"{field.auto_id}_error")
    if not ids:
        return str(field)
    widget = field.as_widget(attrs={"aria-describedby": " ".join(ids)})
    if field.field.show_hidden_initial:
        return widget + field.as_hidden(only_initial=True)
    return widget
