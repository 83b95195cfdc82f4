"""What a connected system's items are called where a person reads them: the
customer's disclosure report and a partner's correction mail (:mod:`.notices`) alike.

A system returns its records as ``{name: value}`` under its own keys
(``created_at``, ``login``). Readers see labels instead, in this order: the
label staff gave the field under "Fields held" (shown as typed: it is the
company's own text in the language staff chose), the portal's word for a
common item (:data:`COMMON_ITEMS`, in the reader's language), the label a
registry source of this database gives a field of that name, and last the
name itself made readable ("open_rate_pct" reads "Open rate pct").
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portal.kernel.registry import registry

#: Items systems commonly hold under these keys, in the portal's words.
COMMON_ITEMS = {
    "email": _("E-mail address"),
    "email_address": _("E-mail address"),
    "mail": _("E-mail address"),
    "name": _("Name"),
    "full_name": _("Name"),
    "address": _("Address"),
    "postal_code": _("Postal code"),
    "zip": _("Postal code"),
    "phone": _("Phone number"),
    "phone_number": _("Phone number"),
    "tel": _("Phone number"),
    "birth_date": _("Date of birth"),
    "date_of_birth": _("Date of birth"),
    "birthday": _("Date of birth"),
    "login": _("Login ID"),
    "login_id": _("Login ID"),
    "username": _("Login ID"),
    "user_id": _("User ID"),
    "customer_id": _("Customer number"),
    "id": _("ID"),
    "created_at": _("Created at"),
    "created": _("Created at"),
    "updated_at": _("Updated at"),
    "updated": _("Updated at"),
    "last_login": _("Last login"),
    "language": _("Language"),
}


def declared_labels(fields) -> dict[str, str]:
    """``{name: label}`` of the fields staff declared with a label (``ExternalSystem.fields``)."""
    return {
        item["name"]: item["label"]
        for item in fields or []
        if isinstance(item, dict) and item.get("name") and item.get("label")
    }


def _registry_label(name: str):
    for source in registry.sources():
        try:
            return capfirst(source.field(name).label)
        except ValidationError:
            continue
    return None


def readable_name(name: str) -> str:
    """``name`` as words: "open_rate_pct" reads "Open rate pct"."""
    words = " ".join(str(name).replace("-", "_").split("_")).strip()
    return capfirst(words) if words else str(name)


def item_label(name: str, declared: dict[str, str] | None = None):
    """How a reader knows the item ``name`` of a system whose declared labels are
    ``declared`` (:func:`declared_labels`): the portal's words lazily, so that they read
    in the language active where they are shown (a report renders in the customer's)."""
    if declared and declared.get(name):
        return declared[name]
    if name in COMMON_ITEMS:
        return COMMON_ITEMS[name]
    return _registry_label(name) or readable_name(name)


def system_labels(system, names) -> dict:
    """``{name: label}`` for each of ``names`` held by ``system`` (an ExternalSystem or None)."""
    declared = declared_labels(system.fields if system is not None else None)
    return {name: item_label(name, declared) for name in names}
