"""Reads for rights requests: what a member of staff may see."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from portal.roles import AUDITOR, PRIVACY_OFFICER

from .models import RightsRequest


def sees_all_services(user) -> bool:
    """Privacy officers and auditors see every service; handlers only their own."""
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=[PRIVACY_OFFICER, AUDITOR]).exists()


def staff_services(user) -> QuerySet:
    """The services a member of staff answers for (responsible or handler)."""
    from portal.models import Service

    return Service.objects.filter(Q(responsible=user) | Q(handlers=user)).distinct()


def requests_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Requests a member of staff may see.

    A service handler sees requests that concern one of their services, and
    requests that name no service (they concern all of the customer's services).
    """
    queryset = RightsRequest.objects.all() if queryset is None else queryset
    if not user.is_active or not user.is_staff:
        return queryset.none()
    if sees_all_services(user):
        return queryset
    through = RightsRequest.services.through
    own = through.objects.filter(
        rightsrequest_id=OuterRef("pk"), service__in=staff_services(user).values("pk")
    )
    any_service = through.objects.filter(rightsrequest_id=OuterRef("pk"))
    return queryset.filter(Exists(own) | ~Exists(any_service))
