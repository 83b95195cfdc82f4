"""The staff queue of rights requests: its capped paginator and its list filters.

The paginator is the one of every large change list (``portal.kernel.admin_lists``).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.kernel.admin_lists import CappedCountPaginator
from portal.kernel.models import Service
from portal.kernel.roles import working_staff

from .selectors import staff_services

User = get_user_model()

__all__ = ["AssigneeFilter", "CappedCountPaginator", "DeadlineFilter", "ServiceFilter"]


def _pk(value: str) -> int:
    """A filter's id typed in the address, or the admin's "cannot apply this filter"."""
    if not value.isascii() or not value.isdigit() or not 0 < int(value) < 2**63:
        raise IncorrectLookupParameters(value)
    return int(value)


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("due7", _("Due within 7 days"))]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.overdue()
        if self.value() == "due7":
            return queryset.due_within(7)
        return queryset


class ServiceFilter(admin.SimpleListFilter):
    title = _("service")
    parameter_name = "service"

    def lookups(self, request, model_admin):
        services_qs = Service.objects.all()
        if not model_admin.sees_all(request):
            services_qs = staff_services(request.user)
        return [(str(s.pk), str(s)) for s in services_qs]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(services__pk=_pk(self.value()))
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        """Unassigned, the viewer, and whoever the viewer may look for: the staff
        a request can be assigned to (officers and handlers, as the assign form
        offers), and anyone who holds requests the viewer sees, even after their
        role changed or their account was closed, so those requests can be found.
        "Me" is offered only to a viewer who may be assigned or holds requests."""
        held = model_admin.get_queryset(request).filter(assignee__isnull=False)
        staff = User.objects.filter(
            Q(pk__in=working_staff(User.objects.all()).values("pk"))
            | Q(pk__in=held.values("assignee_id"))
        ).order_by("email")
        choices = [(str(u.pk), u.email) for u in staff]
        me = [("me", _("Me"))] if str(request.user.pk) in dict(choices) else []
        return [("none", _("Unassigned")), *me, *choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value:
            return queryset.filter(assignee_id=_pk(value))
        return queryset
