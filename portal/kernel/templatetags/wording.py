"""Lists and labels in the active language's punctuation (``portal.kernel.wording``)."""

from django import template

from portal.kernel import wording

register = template.Library()


@register.simple_tag
def list_separator() -> str:
    """What goes between two names of a list: 「、」 in Japanese, ", " in English."""
    return wording.listed(["", ""])


@register.simple_tag(name="colon")
def colon_tag() -> str:
    """Between a label and its value: 「：」 in Japanese, ": " in English
    (``{% translate "Reason" %}{% colon %}{{ reason }}``)."""
    return wording.colon()


@register.simple_tag
def sentence_space() -> str:
    """Between two sentences of a paragraph: nothing in Japanese, a space in English
    (``<strong>…</strong>{% sentence_space %}{% blocktranslate %}…``)."""
    return wording.sentences(["", ""])
