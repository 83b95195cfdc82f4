"""Reads for staff screens: which services and customers a member of staff may see."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .models import Service, ServiceRegistration
from .roles import AUDITOR, PRIVACY_OFFICER, SERVICE_HANDLER, staff_role

User = get_user_model()


def staff_service_scope(user) -> frozenset[str] | None:
    """Codes of the services whose customers' data ``user`` may see; None means all.

    Superusers, privacy officers and auditors see every service. A service
    handler sees the services they are responsible for or assigned to as a
    handler; staff without a role see none.
    """
    role = staff_role(user)
    if role in (PRIVACY_OFFICER, AUDITOR):
        return None
    if role != SERVICE_HANDLER:
        return frozenset()
    codes = Service.objects.filter(Q(responsible=user) | Q(handlers=user)).values_list(
        "code", flat=True
    )
    return frozenset(codes)


def services_visible_to(user, queryset: QuerySet[Service] | None = None) -> QuerySet[Service]:
    queryset = Service.objects.all() if queryset is None else queryset
    scope = staff_service_scope(user)
    return queryset if scope is None else queryset.filter(code__in=scope)


def subjects_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Accounts whose data ``user`` may look up: all, or the customers registered
    with the services they handle."""
    return subjects_in_scope(staff_service_scope(user), queryset)


def subjects_in_scope(scope: frozenset[str] | None, queryset: QuerySet | None = None) -> QuerySet:
    """Accounts registered with a service whose code is in ``scope``; None means all.

    The one rule for a service handler and for an API client of some services.
    """
    queryset = User.objects.all() if queryset is None else queryset
    if scope is None:
        return queryset
    registered = ServiceRegistration.objects.filter(service__code__in=scope).values("user_id")
    return queryset.filter(pk__in=registered)
