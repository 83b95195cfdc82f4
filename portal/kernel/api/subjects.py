"""Finding the customer an API call is about, within what its client may see.

A subject reference is the customer's e-mail address, or their member number
with one of the client's services (``ServiceRegistration.member_number``, the
"customer number" the client's own system knows). A client sees the customers
registered with its services, as a service handler does
(:func:`portal.kernel.selectors.subjects_in_scope`); anyone else is "not found",
never "forbidden", so a client learns nothing about other services' customers.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower

from ..models import ServiceRegistration
from ..selectors import subjects_in_scope
from .problems import ApiProblem

User = get_user_model()


def subjects_for(caller):
    """The customers ``caller`` may ask about."""
    return subjects_in_scope(caller.scope, User.objects.filter(is_staff=False, is_active=True))


def subject_find(caller, ref: str):
    """The customer ``ref`` names, or ApiProblem 404."""
    ref = (ref or "").strip()
    candidates = subjects_for(caller)
    if "@" in ref:
        matches = candidates.filter(email__iexact=ref)
    else:
        registrations = ServiceRegistration.objects.filter(member_number=ref)
        if caller.scope is not None:
            registrations = registrations.filter(service__code__in=caller.scope)
        matches = candidates.filter(pk__in=registrations.values("user_id"))
    found = list(matches[:2])
    if len(found) != 1:
        raise ApiProblem(404, "subject-not-found", "No customer of this client has this reference.")
    return found[0]


def subjects_find_many(caller, refs: list[str]) -> dict[str, object]:
    """The customers ``refs`` name (as :func:`subject_find`), by reference; the
    references of no one, or of more than one customer, are left out."""
    refs = [ref.strip() for ref in refs]
    # Addresses match whatever their case: each spelling sent gets its answer.
    emails: dict[str, set[str]] = {}
    for ref in refs:
        if "@" in ref:
            emails.setdefault(ref.lower(), set()).add(ref)
    numbers = [ref for ref in refs if "@" not in ref]
    candidates = subjects_for(caller)
    found: dict[str, list] = {}
    by_address = candidates.annotate(address=Lower("email")).filter(address__in=list(emails))
    for user in by_address:
        for ref in emails[user.email.lower()]:
            found.setdefault(ref, []).append(user)
    registrations = ServiceRegistration.objects.filter(
        member_number__in=numbers, user__in=candidates
    ).select_related("user")
    if caller.scope is not None:
        registrations = registrations.filter(service__code__in=caller.scope)
    for registration in registrations:
        users = found.setdefault(registration.member_number, [])
        if registration.user not in users:
            users.append(registration.user)
    return {ref: users[0] for ref, users in found.items() if len(users) == 1}


def member_numbers(caller_scope: frozenset[str] | None, subject) -> list[dict]:
    """The subject's member numbers with the services in ``caller_scope`` (None: all)."""
    registrations = ServiceRegistration.objects.filter(user=subject).select_related("service")
    if caller_scope is not None:
        registrations = registrations.filter(service__code__in=caller_scope)
    return [
        {"service": r.service.code, "member_number": r.member_number}
        for r in registrations.order_by("service__code", "started_on")
    ]


# Legal holds are the rights app's; it registers how to find held customers
# (rights.startup), so the permissions answer can say so without the consent
# app or the kernel reading a higher layer.
_hold_checks: list[Callable[[list[int]], set[int]]] = []


def register_hold_check(check: Callable[[list[int]], set[int]]) -> None:
    """``check(subject_ids)`` returns those of the ids under a legal hold."""
    if check not in _hold_checks:
        _hold_checks.append(check)


def held_subject_ids(subject_ids: list[int]) -> set[int]:
    held: set[int] = set()
    for check in _hold_checks:
        held |= check(subject_ids)
    return held
