"""What a deletion covers: its sources, services, kinds of data and the account, and
the retention rules by code that may keep part of it.

Shared by the planning, the steps, the statement and the jobs.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q

from portal.kernel.registry import Category, ModelSource, Source, registry

from .holds import selectors as H
from .models import RetentionRule


def is_account_source(source: Source) -> bool:
    """The source that is the login account itself (the user model)."""
    return (
        isinstance(source, ModelSource)
        and source.model is get_user_model()
        and not source.subject_path
    )


def reaches(source: Source, services) -> bool:
    """Whether a deletion limited to the named services (service codes; none: every
    service) may erase or keep anything of ``source``.

    Data about the customer as a whole belongs to no service, so a request
    limited to services leaves it alone, as it leaves the sources outside this
    database (external systems).
    """
    if not services:
        return True
    if not isinstance(source, ModelSource):
        return False
    if source.service_path:
        return True
    return bool(source.service_code) and source.service_code in services


def services_q(source: Source, services: list[str]) -> Q:
    """The rows of ``source`` within the named services (all when none are named):
    none where the request does not reach the source (:func:`reaches`)."""
    if not reaches(source, services):
        return H.NOTHING
    if services and source.service_path:
        return Q(**{f"{source.service_path}__code__in": services})
    return Q()


def erase_categories(source: Source, categories) -> list[str]:
    """Deleting a row erases all its categories at once: one step is enough."""
    chosen = [c.value for c in source.categories() if c.value in categories]
    return chosen[:1] if source.erasure == "delete" else chosen


def rules_by_code() -> dict[str, RetentionRule]:
    return {rule.code: rule for rule in RetentionRule.objects.all()}


class EmptyDeletionScope(ValueError):
    """A deletion request that names neither everything nor a service nor a kind of data."""


def requested_scope(request) -> tuple[list[str], list[str], bool]:
    """(categories, service codes, close the account) of a deletion request.

    No services means every service (see :func:`services_q`) and no categories
    every kind, so a request must name at least one of them, or everything:
    one that names nothing raises :class:`EmptyDeletionScope` rather than
    being read as "everything but the account".
    """
    closing = bool((request.scope or {}).get("everything"))
    categories = [c for c in request.categories if c in Category.values] if not closing else []
    services = [] if closing else sorted(request.services.values_list("code", flat=True))
    if not (closing or categories or services):
        raise EmptyDeletionScope(
            f"deletion request {request.pk} names no service, no kind of data and not everything"
        )
    return categories or list(Category.values), services, closing


def account_kept(request) -> bool:
    """Whether the deletion ``request`` leaves the login account it covers in place.

    A request that closes the account erases it; one limited to services never
    covers it (the account belongs to no service, see :func:`services_q`), so only a
    request over every service whose kinds of data include the account's keeps it.
    """
    categories, services, closing = requested_scope(request)
    if closing or services:
        return False
    return bool(erase_categories(account_source(), categories))


def account_source() -> Source:
    """The registry source that is the login account."""
    return next(source for source in registry.sources() if is_account_source(source))
