"""Which details a requester gave about the person match a customer, for staff matching
a request filed without an account.

CCPA §7062(a) verifies a non-account holder by matching at least two data points; APPI
art. 37 leaves the identity procedure to the company, and GDPR art. 12(6) asks for
proportionate checks. A match on fewer details than :data:`DETAILS_NEEDED` is possible
(something else may confirm the person) but staff say what (see
``verification.identity_match_subject``).

A request to correct is verified with data other than the data in dispute (CCPA regs
§7060-7062): a detail whose value the requester names as wrong matches the record only
because the record holds that wrong value, so it is not counted (:func:`disputed_details`).
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.utils.translation import pgettext_lazy

from portal.kernel.encryption import phone_digits
from portal.kernel.registry import registry
from portal.kernel.selectors import subjects_visible_to
from portal.kernel.wording import listed

from ..choices import Kind, Regime
from .models import Capacity, RequestIdentity

#: The details compared, in the order they are named, with their labels.
DETAILS = {
    "email": pgettext_lazy("matched detail", "e-mail"),
    "phone": pgettext_lazy("matched detail", "phone"),
    "name": pgettext_lazy("matched detail", "name"),
    "date_of_birth": pgettext_lazy("matched detail", "date of birth"),
}
#: CCPA §7062(a): two data points verify a non-account holder.
DETAILS_NEEDED = 2
#: CCPA §7062(c): the specific pieces of personal information need three data points (and
#: the consumer's signed declaration, see :func:`needs_declaration`).
DETAILS_NEEDED_FOR_PIECES = 3
# At most this many customers are offered as the match of one request.
MAX_CANDIDATES = 20


def _comparable(text: str) -> str:
    """``text`` without spaces (half- or full-width), hyphens and case, for finding a
    value inside the person's own words."""
    return re.sub(r"[\s\u3000\-\u2010-\u2015\u30fc\uff0d]", "", text).casefold()


def _spellings(detail: str, value) -> list[str]:
    """The ways ``value`` of ``detail`` may be written among the person's words."""
    if detail == "date_of_birth":
        return [
            value.isoformat().replace("-", ""),
            f"{value.year}年{value.month}月{value.day}日",
            f"{value.year}/{value.month}/{value.day}",
        ]
    if detail == "phone":
        return [phone_digits(str(value))]
    return [_comparable(str(value))]


def disputed_details(identity: RequestIdentity) -> set[str]:
    """The details the requester gave whose value they name as wrong in a correction
    stated in their own words (``scope["stated_changes"]``): the data in dispute, which
    does not verify the person (CCPA regs §7060-7062)."""
    request = identity.request
    if request.kind != Kind.CORRECTION:
        return set()
    wrong = [
        str(item.get("wrong", ""))
        for item in (request.scope or {}).get("stated_changes") or []
        if isinstance(item, dict)
    ]
    if not wrong:
        return set()
    words = [_comparable(text) for text in wrong]
    digits = [phone_digits(text) for text in wrong]
    given = {
        "email": identity.subject_email,
        "phone": identity.subject_phone,
        "name": identity.subject_name,
        "date_of_birth": identity.subject_date_of_birth,
    }
    disputed = set()
    for detail, value in given.items():
        if not value:
            continue
        haystacks = digits if detail == "phone" else words
        if detail == "date_of_birth":
            haystacks = words + digits
        if any(s and s in text for s in _spellings(detail, value) for text in haystacks):
            disputed.add(detail)
    return disputed


def _searched(identity: RequestIdentity) -> dict[str, set]:
    """For each detail the requester gave that the registry searches by, the customers it
    finds (primary keys)."""
    given = {
        "email": identity.subject_email,
        "phone": identity.subject_phone,
        "name": identity.subject_name,
    }
    return {detail: set(registry.find_subjects(query)) for detail, query in given.items() if query}


def _details_of(user, searched: dict[str, set], identity: RequestIdentity) -> list[str]:
    found = [detail for detail, pks in searched.items() if user.pk in pks]
    profile = getattr(user, "profile", None)
    if (
        profile is not None
        and identity.subject_date_of_birth
        and profile.date_of_birth == identity.subject_date_of_birth
    ):
        found.append("date_of_birth")
    disputed = disputed_details(identity)
    return [detail for detail in DETAILS if detail in found and detail not in disputed]


def matched_details(identity: RequestIdentity, subject) -> list[str]:
    """The details of :data:`DETAILS` the requester gave that match ``subject``."""
    return _details_of(subject, _searched(identity), identity)


def needs_declaration(request, identity: RequestIdentity | None) -> bool:
    """Whether verifying ``request`` needs three matched details and the consumer's signed
    declaration: the consumer themself, without an account, asks under the CCPA for the
    specific pieces of their personal information (a disclosure) (CCPA §7062(c))."""
    return (
        identity is not None
        and identity.capacity == Capacity.SELF
        and request.regime == Regime.CCPA
        and request.kind == Kind.DISCLOSURE
    )


def details_named(details: list[str]) -> str:
    """The matched details in words of the active language: "e-mail, name"."""
    return listed(DETAILS[detail] for detail in details if detail in DETAILS)


def subject_candidates(identity: RequestIdentity, staff) -> list:
    """Customers the registry's subject search finds for what the requester wrote, best
    first: those matching more of the details come first. Each carries
    ``matched_details`` (codes), ``match_count`` and ``same_birth_date``."""
    searched = _searched(identity)
    hits = set().union(*searched.values()) if searched else set()
    if not hits:
        return []
    found = list(
        subjects_visible_to(staff, get_user_model().objects.filter(pk__in=hits, is_staff=False))
        .select_related("profile")
        .order_by("pk")[: MAX_CANDIDATES * 2]
    )
    for user in found:
        user.matched_details = _details_of(user, searched, identity)
        user.match_count = len(user.matched_details)
        user.matched_named = details_named(user.matched_details)
        user.same_birth_date = "date_of_birth" in user.matched_details
        user.match_needs_reason = user.match_count < DETAILS_NEEDED
    found.sort(key=lambda u: (-u.match_count, u.pk))
    return found[:MAX_CANDIDATES]
