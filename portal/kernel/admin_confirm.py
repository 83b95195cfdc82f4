"""A confirmation page before an admin action that cannot be undone or that tells
the person something final, as the admin's own "delete selected" action asks.

The working page's form posts to the action's address as before. Without
``confirm=1`` in the POST the view does nothing and answers with this page: what
will happen, in words (:class:`Confirmation`), and a form that posts the same
fields again with ``confirm=1``. So a first click, or a POST made without the
page, changes nothing and the page says so; only the confirming POST acts, and
the view validates it again then.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.response import TemplateResponse

#: The field the confirmation page adds to the POST it sends again.
CONFIRM_FIELD = "confirm"
#: Fields of the first POST not carried to the confirming one.
_NOT_CARRIED = {CONFIRM_FIELD, "csrfmiddlewaretoken"}


@dataclass(frozen=True)
class Line:
    """One thing that will happen; ``quote`` is what staff typed (a reason), shown
    as they wrote it; ``items`` are listed under it."""

    text: str
    quote: str = ""
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Confirmation:
    """What the page says: its title, what will happen, and the confirming button."""

    title: str
    lines: list[Line]
    button: str
    #: Shown under the lines: what cannot be undone afterwards.
    final: str = ""
    #: Shown first, above what will happen: why the page is shown again.
    notice: str = ""


def is_confirmed(request) -> bool:
    """The POST was sent from the confirmation page."""
    return request.POST.get(CONFIRM_FIELD) == "1"


def carried_fields(request) -> list[tuple[str, str]]:
    """(name, value) of the POST to send again, every value of a repeated field."""
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name not in _NOT_CARRIED
        for value in values
    ]


def confirmation_response(
    model_admin, request, obj, confirmation: Confirmation, *, back_url: str, shown=()
) -> TemplateResponse:
    """The confirmation page of ``obj`` (shown in ``model_admin``'s breadcrumbs); it
    posts back to the address the action was posted to. ``shown``: (name, value) fields
    it sends too, in place of any posted under those names: what the page showed, for
    the confirming POST to compare with what it would do then."""
    replaced = {name for name, _value in shown}
    carried = [(name, value) for name, value in carried_fields(request) if name not in replaced]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": obj,
        "title": confirmation.title,
        "confirmation": confirmation,
        "carried": [*carried, *shown],
        "action_url": request.get_full_path(),
        "back_url": back_url,
        "confirm_field": CONFIRM_FIELD,
    }
    return TemplateResponse(request, "admin/confirm_action.html", context)
