"""How a model source finds subjects by a typed query: an e-mail address, a phone
number or a date (through their keyed hashes), or a name (spaces ignored)."""

from __future__ import annotations

from django.db.models import F, Value
from django.db.models.functions import Lower, Replace

from portal.kernel import encryption
from portal.kernel.dates import parse_date
from portal.kernel.fields import derived_fields

from .fields import Lookup, PersonalField


def _compact(text: str) -> str:
    return "".join(text.split())


HASHED_LOOKUPS = {Lookup.PHONE: encryption.phone_hash, Lookup.DATE: encryption.date_hash}


def hash_column(model, personal_field: PersonalField) -> str | None:
    """The column holding the keyed hash a phone or date lookup compares."""
    compute = HASHED_LOOKUPS.get(personal_field.lookup)
    for derived in derived_fields(model):
        if derived.source == personal_field.name and derived.compute is compute:
            return derived.name
    return None


def lookup_condition(model, personal_field: PersonalField, query: str):
    """(alias, expression, lookup, value) for one field and a search, or None."""
    query = (query or "").strip()
    alias = f"rp_find_{personal_field.name}"
    if personal_field.lookup is Lookup.EMAIL and "@" in query:
        return alias, Lower(personal_field.name), "exact", query.lower()
    if personal_field.lookup is Lookup.PHONE:
        digits = encryption.phone_digits(query)
        if len(digits) >= 6 and not any(ch.isalpha() for ch in query):
            return (
                alias,
                F(hash_column(model, personal_field)),
                "exact",
                encryption.phone_hash(query),
            )
    if personal_field.lookup is Lookup.DATE:
        day = parse_date(query)
        if day is not None:
            column = F(hash_column(model, personal_field))
            return alias, column, "exact", encryption.date_hash(day)
    if personal_field.lookup is Lookup.NAME and "@" not in query:
        compact = _compact(query)
        if len(compact) >= 2 and not compact.isdigit():
            expression = Replace(
                Replace(F(personal_field.name), Value(" "), Value("")), Value("\u3000"), Value("")
            )
            return alias, expression, "icontains", compact
    return None
