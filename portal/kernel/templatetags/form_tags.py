"""Form helpers for templates."""

from django import template

from ..form_errors import error_line as _error_line

register = template.Library()


@register.simple_tag
def error_line(label, error) -> str:
    """A field's error in the error summary: ``label: error`` in the active language."""
    return _error_line(label, str(error))
