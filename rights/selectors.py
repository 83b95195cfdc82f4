"""Reads for rights requests: what a member of staff may see."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from portal.roles import AUDITOR, PRIVACY_OFFICER, staff_role

from .models import RightsRequest


def sees_all_services(user) -> bool:
    """Privacy officers and auditors see every service; handlers only their own."""
    return staff_role(user) in (PRIVACY_OFFICER, AUDITOR)


def staff_services(user) -> QuerySet:
    """The services a member of staff answers for (responsible or handler)."""
    from portal.models import Service

    return Service.objects.filter(Q(responsible=user) | Q(handlers=user)).distinct()


def requests_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Requests a member of staff may see.

    Officers and auditors see every request. A service handler sees requests
    that concern one of their services, and requests that name no service
    (they concern all of the customer's services) from customers registered
    with one of their services. Anyone else sees none.
    """
    from portal.models import ServiceRegistration
    from portal.roles import SERVICE_HANDLER

    queryset = RightsRequest.objects.all() if queryset is None else queryset
    role = staff_role(user)
    if role in (PRIVACY_OFFICER, AUDITOR):
        return queryset
    if role != SERVICE_HANDLER:
        return queryset.none()
    mine = staff_services(user).values("pk")
    through = RightsRequest.services.through
    own = through.objects.filter(rightsrequest_id=OuterRef("pk"), service__in=mine)
    any_service = through.objects.filter(rightsrequest_id=OuterRef("pk"))
    customer = ServiceRegistration.objects.filter(user_id=OuterRef("subject_id"), service__in=mine)
    return queryset.filter(Exists(own) | (~Exists(any_service) & Exists(customer)))


def request_timeline(request: RightsRequest) -> list:
    """The events and messages of ``request``, oldest first, as the person sees them;
    each event carries its ``outcome`` in words (a correction's before and after)."""
    from .notifications import event_outcome

    events = list(request.events.select_related("actor"))
    for event in events:
        event.outcome = event_outcome(event)
    timeline = events + list(request.messages.select_related("author"))
    timeline.sort(key=lambda item: item.created_at)
    return timeline
