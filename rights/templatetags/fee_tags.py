"""Template filters for fees."""

from django import template

from portal.kernel.personal_data import yen as _yen

register = template.Library()


@register.filter
def yen(amount) -> str:
    """An amount in yen as the pages write it (¥1,000 / 1,000円)."""
    if amount in (None, ""):
        return ""
    return _yen(int(amount))
