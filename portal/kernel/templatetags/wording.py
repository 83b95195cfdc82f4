"""Lists in the active language's punctuation (``portal.kernel.wording``)."""

from django import template

from portal.kernel.wording import listed

register = template.Library()


@register.simple_tag
def list_separator() -> str:
    """What goes between two names of a list: 「、」 in Japanese, ", " in English."""
    return listed(["", ""])
