"""A request's working page as staff reading English see it, its whitespace folded."""

import re


def english_working_page(officer_client, request) -> str:
    """The HTML of ``request``'s working page in English, each run of whitespace one space."""
    officer_client.cookies["django_language"] = "en"
    html = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/").content.decode()
    return re.sub(r"\s+", " ", html)
