"""The staff queue of rights requests: its columns, its capped paginator and its filters.

The paginator is the one of every large change list (``portal.kernel.admin_lists``).
The columns fit a laptop screen beside the admin's navigation and filters
(``static/css/admin-lists.css``): the days left read under the deadline, the law by
its short name, the day received without its time, and e-mail addresses wrap before
their "@" (anywhere, if a part is longer than the column).
"""

from __future__ import annotations

import re

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.kernel.admin_columns import day, moment, zoned_heading
from portal.kernel.admin_lists import CappedCountPaginator, DefaultChoiceFilter
from portal.kernel.models import Service
from portal.kernel.models.services import by_name
from portal.kernel.roles import working_staff

from .choices import Regime
from .models import OPEN_STATUSES
from .selectors import sees_all_services, staff_services

User = get_user_model()

__all__ = [
    "AgentRefusedFilter",
    "AssigneeFilter",
    "CappedCountPaginator",
    "DeadlineFilter",
    "QueueColumnsMixin",
    "ServiceFilter",
    "time_left",
]

#: The laws by the short names a privacy office uses; the full name is the title.
REGIME_SHORT_NAMES = {Regime.APPI: _("APPI"), Regime.GDPR: "GDPR", Regime.CCPA: "CCPA"}


def time_left(request):
    """The time to an open request's deadline in words, marked overdue (red) or due
    within three days (amber); "paused" while the clock stops; "" once closed."""
    if request.is_paused:
        return format_html('<span class="rr-paused">{}</span>', _("paused"))
    days = request.days_left()
    if days is None:
        return ""
    if days < 0:
        text = ngettext("%(days)s day overdue", "%(days)s days overdue", -days)
        return format_html('<span class="rr-overdue">{}</span>', text % {"days": -days})
    if days == 0:
        return format_html('<span class="rr-soon">{}</span>', _("due today"))
    text = ngettext("%(days)s day left", "%(days)s days left", days) % {"days": days}
    return format_html('<span class="{}">{}</span>', "rr-soon" if days <= 3 else "rr-ok", text)


def _email(address: str):
    """An e-mail address that wraps before its "@" and its dots when its column is narrow
    ("watanabe", ".kaori", "@example", ".com"), not after any letter."""
    pieces = re.split(r"(?=[.@])", address)
    return format_html_join(mark_safe("<wbr>"), "{}", ((piece,) for piece in pieces))


class QueueColumnsMixin:
    """The queue's columns that are not plain fields of the request, and the link to
    the request log (CCPA regs §7101) for those who may export it."""

    change_list_template = "admin/rights/rightsrequest/change_list.html"

    def changelist_view(self, request, extra_context=None):
        extra = dict(extra_context or {})
        if sees_all_services(request.user):
            extra["request_log_url"] = reverse("admin:reports_request_log")
        return super().changelist_view(request, extra)

    @admin.display(description=zoned_heading(_("due at")), ordering="due_at")
    def deadline(self, obj):
        due = moment(obj.due_at)
        left = time_left(obj)
        if not left:
            return format_html('<span class="rr-due">{}</span>', due)
        return format_html('<span class="rr-due">{}</span><br>{}', due, left)

    @admin.display(description=_("customer"), ordering="subject__email")
    def subject_email(self, obj):
        if obj.subject:
            return _email(obj.subject.email)
        identity = getattr(obj, "identity", None)
        if identity is not None:
            return _("%(name)s (not matched yet)") % {"name": identity.subject_name}
        return "—"

    @admin.display(description=_("assignee"), ordering="assignee__email")
    def assigned_to(self, obj):
        return _email(obj.assignee.email) if obj.assignee else "—"

    @admin.display(description=_("law"), ordering="regime")
    def law(self, obj):
        return format_html(
            '<abbr title="{}">{}</abbr>',
            obj.get_regime_display(),
            REGIME_SHORT_NAMES.get(obj.regime, obj.regime),
        )

    @admin.display(description=zoned_heading(_("received on")), ordering="received_at")
    def received(self, obj):
        return day(obj.received_at)


def _pk(value: str) -> int:
    """A filter's id typed in the address, or the admin's "cannot apply this filter"."""
    if not value.isascii() or not value.isdigit() or not 0 < int(value) < 2**63:
        raise IncorrectLookupParameters(value)
    return int(value)


class StateFilter(DefaultChoiceFilter):
    """Open requests, closed ones or all; the queue opens on the open ones, unless a
    status is chosen or a search typed, which reach every request."""

    title = _("open or closed")
    parameter_name = "state"
    OPEN, CLOSED, ALL = "open", "closed", "all"

    def lookups(self, request, model_admin):
        return [(self.OPEN, _("Open")), (self.CLOSED, _("Closed")), (self.ALL, _("All"))]

    def chosen(self, request) -> str:
        if self.value() in (self.OPEN, self.CLOSED, self.ALL):
            return self.value()
        if request.GET.get("q") or any(key.startswith("status") for key in request.GET):
            return self.ALL
        return self.OPEN

    def queryset(self, request, queryset):
        chosen = self.chosen(request)
        if chosen == self.OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        if chosen == self.CLOSED:
            return queryset.exclude(status__in=OPEN_STATUSES)
        return queryset


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
    """The requests concerning one service: those naming it, and those naming no
    service (all of the customer's) from customers registered with it, now or when
    the request was filed, as a handler of that service sees them
    (:meth:`RightsRequestQuerySet.concerning_services`)."""

    title = _("service")
    parameter_name = "service"

    def lookups(self, request, model_admin):
        services_qs = Service.objects.all()
        if not model_admin.sees_all(request):
            services_qs = staff_services(request.user)
        return [(str(s.pk), s.display_name) for s in by_name(services_qs)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        pk = _pk(self.value())
        if self.value() not in {value for value, _label in self.lookup_choices}:
            # A service the viewer does not answer for, typed into the address: listing
            # the requests they see under it would tell them who else uses it.
            return queryset.none()
        return queryset.concerning_services(Service.objects.filter(pk=pk))


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


class AgentRefusedFilter(admin.SimpleListFilter):
    """The requests whose person answered the confirmation link that they did not
    appoint the agent (CCPA §7063, APPI art. 37): they wait for staff to reject them."""

    title = _("agent")
    parameter_name = "agent"
    REFUSED = "refused"

    def lookups(self, request, model_admin):
        return [(self.REFUSED, _("Agent refused by the person"))]

    def queryset(self, request, queryset):
        if self.value() == self.REFUSED:
            return queryset.filter(identity__subject_denied_at__isnull=False)
        return queryset
