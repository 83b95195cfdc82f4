"""The staff queue of rights requests and each request's working page."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from portal.kernel.audit import audit_staff_view

from . import admin_reports, services, workflow
from .choices import Kind, Regime, RejectionGround, Status
from .decision_admin import RequestDecisionAdminMixin
from .disclosure.admin import DisclosureAdminMixin
from .fee_admin import RequestFeeAdminMixin
from .models import RightsRequest
from .notifications import event_outcome
from .requesters.admin import IdentityAdminMixin
from .selectors import STAFF, staff_services, visible_messages

User = get_user_model()


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows, so the queue never counts a whole huge table.

    ``qs[:CAP + 1].count()`` becomes ``SELECT COUNT(*) FROM (... LIMIT CAP+1)``:
    its cost is bounded whatever the table's size. Past the cap the last pages
    are not offered; filters narrow the list instead.
    """

    CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list[: self.CAP + 1].count()


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("due7", _("Due within 7 days"))]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset & RightsRequest.objects.overdue()
        if self.value() == "due7":
            return queryset & RightsRequest.objects.due_within(7)
        return queryset


class ServiceFilter(admin.SimpleListFilter):
    title = _("service")
    parameter_name = "service"

    def lookups(self, request, model_admin):
        from portal.kernel.models import Service

        services_qs = Service.objects.all()
        if not model_admin.sees_all(request):
            services_qs = staff_services(request.user)
        return [(str(s.pk), str(s)) for s in services_qs]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(services__pk=self.value())
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        staff = User.objects.filter(is_staff=True, is_active=True).order_by("email")
        return [("none", _("Unassigned")), ("me", _("Me"))] + [(str(u.pk), u.email) for u in staff]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value:
            return queryset.filter(assignee_id=value)
        return queryset


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices)
    reason = forms.CharField(required=False, max_length=4000, widget=forms.Textarea)
    ground = forms.ChoiceField(required=False, choices=[("", "—"), *RejectionGround.choices])


class ExtendForm(forms.Form):
    new_deadline = forms.DateField(label=_("New deadline"))
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea)


class RegimeForm(forms.Form):
    regime = forms.ChoiceField(label=_("Legal regime"), choices=Regime.choices)
    reason = forms.CharField(label=_("Reason"), max_length=4000)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=User.objects.filter(is_staff=True, is_active=True).order_by("email"),
        required=False,
    )


class StaffMessageForm(forms.Form):
    body = forms.CharField(label=_("Message to the person"), max_length=4000, widget=forms.Textarea)


@admin.register(RightsRequest)
class RightsRequestAdmin(
    IdentityAdminMixin,
    RequestDecisionAdminMixin,
    DisclosureAdminMixin,
    RequestFeeAdminMixin,
    admin.ModelAdmin,
):
    list_display = [
        "reference",
        "kind",
        "regime",
        "status",
        "subject_email",
        "assignee",
        "received_at",
        "due_at",
        "days_left",
    ]
    list_filter = [DeadlineFilter, "status", "kind", "regime", ServiceFilter, AssigneeFilter]
    list_select_related = ["subject", "assignee", "identity"]
    ordering = ["due_at"]
    search_fields = ["subject__email", "=id"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    actions = ["assign_selected"]
    change_form_template = "admin/rights/rightsrequest/change_form.html"
    readonly_fields = [
        "reference",
        "kind",
        "regime",
        "channel",
        "status",
        "subject",
        "requester",
        "service_names",
        "categories",
        "scope_display",
        "details",
        "delivery_method",
        "assignee",
        "received_at",
        "due_at",
        "extended_to",
        "acknowledgement_due_at",
        "acknowledged_at",
        "rejection_ground",
        "closed_at",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "kind", "status", "regime", "channel"]}),
        (_("Who"), {"fields": ["subject", "requester", "assignee"]}),
        (
            _("What"),
            {
                "fields": [
                    "service_names",
                    "categories",
                    "scope_display",
                    "details",
                    "delivery_method",
                ]
            },
        ),
        (
            _("Deadlines"),
            {
                "fields": [
                    "received_at",
                    "due_at",
                    "extended_to",
                    "acknowledgement_due_at",
                    "acknowledged_at",
                    "closed_at",
                    "rejection_ground",
                ]
            },
        ),
    ]

    # -- who sees what --------------------------------------------------------
    # Rows and object permissions come from portal.kernel.access (handlers: the
    # requests of their services; auditors: read only; nobody works on a
    # request about themselves). Opening the page is audited there.

    def sees_all(self, request) -> bool:
        from .selectors import sees_all_services

        return sees_all_services(request.user)

    def has_delete_permission(self, request, obj=None):
        # Requests are the company's record of how it answered (CCPA §7101).
        return False

    def can_work_on(self, request, obj) -> bool:
        return obj is not None and self.has_change_permission(request, obj)

    # -- columns ----------------------------------------------------------------

    @admin.display(description=_("customer"), ordering="subject__email")
    def subject_email(self, obj):
        if obj.subject:
            return obj.subject.email
        identity = getattr(obj, "identity", None)
        if identity is not None:
            return _("%(name)s (not matched yet)") % {"name": identity.subject_name}
        return "—"

    @admin.display(description=_("services"))
    def service_names(self, obj):
        names = [str(s) for s in obj.services.all()]
        return ", ".join(names) if names else _("All services")

    @admin.display(description=_("what is asked"))
    def scope_display(self, obj):
        return scope_summary(obj)

    @admin.display(description=_("days left"), ordering="due_at")
    def days_left(self, obj):
        if obj.is_paused:
            return format_html('<span class="rr-paused">{}</span>', _("paused"))
        days = obj.days_left()
        if days is None:
            return "—"
        css = "rr-overdue" if days < 0 else "rr-soon" if days <= 3 else "rr-ok"
        return format_html('<span class="{}">{}</span>', css, days)

    # -- bulk assignment ----------------------------------------------------------

    @admin.action(description=_("Assign selected requests"), permissions=["change"])
    def assign_selected(self, request, queryset):
        if "apply" in request.POST:
            form = AssignForm(request.POST)
            if form.is_valid():
                try:
                    changed = services.request_assign(
                        requests=list(queryset),
                        assignee=form.cleaned_data["assignee"],
                        actor=request.user,
                        http_request=request,
                    )
                except ValidationError as error:
                    self.message_user(request, " ".join(error.messages), messages.ERROR)
                    return None
                self.message_user(request, _("%(n)d requests assigned.") % {"n": changed})
                return None
        else:
            form = AssignForm()
        return TemplateResponse(
            request,
            "admin/rights/rightsrequest/assign.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "form": form,
                "queryset": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "title": _("Assign requests"),
            },
        )

    # -- the working page ---------------------------------------------------------

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(require_POST(view))

        prefix = f"{self.model._meta.app_label}_{self.model._meta.model_name}"
        return [
            path(
                "<id:pk>/transition/",
                wrap(self.transition_view),
                name=f"{prefix}_transition",
            ),
            path("<id:pk>/extend/", wrap(self.extend_view), name=f"{prefix}_extend"),
            path("<id:pk>/assign/", wrap(self.assign_view), name=f"{prefix}_assign"),
            path("<id:pk>/regime/", wrap(self.regime_view), name=f"{prefix}_regime"),
            path("<id:pk>/message/", wrap(self.message_view), name=f"{prefix}_message"),
            *self.get_fee_urls(wrap, prefix),
            *self.get_disclosure_urls(wrap, prefix),
            *self.get_decision_urls(wrap, prefix),
            *self.get_identity_urls(wrap, prefix),
            path(
                "<id:pk>/messages/<id:message_pk>/attachment/",
                self.admin_site.admin_view(self.attachment_view),
                name=f"{prefix}_attachment",
            ),
            *super().get_urls(),
        ]

    def _object_for_work(self, request, pk):
        obj = self.get_queryset(request).filter(pk=pk).first()
        if obj is None:
            raise Http404
        if not self.can_work_on(request, obj):
            raise PermissionDenied
        return obj

    def _back(self, obj):
        return HttpResponseRedirect(reverse("admin:rights_rightsrequest_change", args=[obj.pk]))

    def _report(self, request, form, error=None):
        texts = []
        if error is not None:
            texts = error.messages if isinstance(error, ValidationError) else [str(error)]
        elif form is not None:
            texts = [f"{', '.join(e)}" for e in form.errors.values()]
        self.message_user(request, " ".join(texts), messages.ERROR)

    def transition_view(self, request, pk):
        """A status button: the workflow decides (rights.workflow.RULES) and says why not."""
        obj = self._object_for_work(request, pk)
        form = TransitionForm(request.POST)
        if not form.is_valid():
            self._report(request, form)
            return self._back(obj)
        try:
            workflow.transition(
                obj,
                to=form.cleaned_data["to"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
                ground=form.cleaned_data["ground"],
                http_request=request,
            )
        except (workflow.TransitionError, ValidationError) as error:
            self._report(request, None, error)
        else:
            self.message_user(
                request, _("Status: %(status)s") % {"status": obj.get_status_display()}
            )
        return self._back(obj)

    def extend_view(self, request, pk):
        obj = self._object_for_work(request, pk)
        form = ExtendForm(request.POST)
        if not form.is_valid():
            self._report(request, form)
            return self._back(obj)
        new_deadline = timezone.make_aware(
            dt.datetime.combine(form.cleaned_data["new_deadline"], dt.time(12))
        )
        try:
            services.request_extend(
                request=obj,
                new_deadline=new_deadline,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                http_request=request,
            )
        except ValidationError as error:
            self._report(request, None, error)
        else:
            self.message_user(request, _("The deadline is extended; the person is told."))
        return self._back(obj)

    def assign_view(self, request, pk):
        obj = self._object_for_work(request, pk)
        form = AssignForm(request.POST)
        if form.is_valid():
            try:
                services.request_assign(
                    requests=[obj],
                    assignee=form.cleaned_data["assignee"],
                    actor=request.user,
                    http_request=request,
                )
            except ValidationError as error:
                self._report(request, None, error)
        else:
            self._report(request, form)
        return self._back(obj)

    def regime_view(self, request, pk):
        obj = self._object_for_work(request, pk)
        form = RegimeForm(request.POST)
        if not form.is_valid():
            self._report(request, form)
            return self._back(obj)
        try:
            services.request_change_regime(
                request=obj,
                regime=form.cleaned_data["regime"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                http_request=request,
            )
        except ValidationError as error:
            self._report(request, None, error)
        return self._back(obj)

    def message_view(self, request, pk):
        obj = self._object_for_work(request, pk)
        form = StaffMessageForm(request.POST)
        if not form.is_valid():
            self._report(request, form)
            return self._back(obj)
        try:
            services.message_post(
                request=obj,
                author=request.user,
                body=form.cleaned_data["body"],
                http_request=request,
            )
        except ValidationError as error:
            self._report(request, None, error)
        return self._back(obj)

    def attachment_view(self, request, pk, message_pk):
        obj = self.get_queryset(request).filter(pk=pk).first()
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404
        message = visible_messages(obj, STAFF).filter(pk=message_pk).exclude(attachment="").first()
        if message is None:
            raise Http404
        audit_staff_view(request, what="attachment", subject=obj.subject, target=message)
        return FileResponse(
            message.attachment.open("rb"),
            as_attachment=True,
            filename=message.attachment_name or "attachment",
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        can_work = self.can_work_on(request, obj)
        extra_context = {
            **(extra_context or {}),
            "timeline": timeline(obj),
            # The buttons are exactly the moves the workflow accepts now; the
            # moves its rules hold back are listed with the reason.
            "allowed": [
                (status, Status(status).label)
                for status in workflow.allowed_transitions(obj, request.user)
            ]
            if can_work
            else [],
            "held_back": held_back(workflow.refused_transitions(obj, request.user))
            if can_work
            else [],
            **self.fee_context(obj, can_work=can_work),
            **self.disclosure_context(obj, can_work=can_work),
            **self.decision_context(obj, can_work=can_work),
            **self.identity_context(request, obj, can_work=can_work),
            "can_work": can_work,
            "reason_required": sorted(workflow.REASON_REQUIRED),
            "grounds": RejectionGround.choices,
            "regimes": Regime.choices,
            "extend_form": ExtendForm(),
            "assign_form": AssignForm(initial={"assignee": obj.assignee_id}),
            "message_form": StaffMessageForm(),
            "days_left": obj.days_left(),
        }
        return super().change_view(request, object_id, form_url, extra_context)


def held_back(refused: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(statuses, why) for the working page: the moves a rule holds back, those
    held back for the same reason together."""
    grouped: dict[str, list[str]] = {}
    for status, why in refused:
        grouped.setdefault(why, []).append(str(Status(status).label))
    return [(", ".join(labels), why) for why, labels in grouped.items()]


def scope_summary(obj: RightsRequest) -> str:
    """The kind-specific part of a request in words, for staff."""
    from . import correction, stops

    scope = obj.scope or {}
    changes = correction.requested_changes(obj)
    if changes:
        return "; ".join(
            _("%(label)s: “%(before)s” → “%(after)s”")
            % {"label": c.label, "before": c.asked_over_shown, "after": c.new_value_shown}
            for c in changes
        )
    if obj.kind in (Kind.STOP_USE, Kind.STOP_PROVISION):
        targets = stops.requested_targets(obj)
        if targets:
            label = _("Purposes: %(list)s")
            if obj.kind == Kind.STOP_PROVISION:
                label = _("Recipients: %(list)s")
            return label % {"list": ", ".join(t.label for t in targets)}
    if scope.get("everything"):
        return _("Everything, and close the account")
    return "—"


def timeline(obj: RightsRequest) -> list[dict]:
    """Events, messages and notices of a request, oldest first, for both sides."""
    items = [
        {"at": e.created_at, "type": "event", "item": e, "outcome": event_outcome(e)}
        for e in obj.events.select_related("actor")
    ]
    items += [
        {"at": m.created_at, "type": "message", "item": m}
        for m in obj.messages.select_related("author")
    ]
    return sorted(items, key=lambda entry: entry["at"])


admin_reports.register(admin.site)


# Retention rules, legal holds, deferred erasures, runs and the ledger.
from .retention import admin as retention_admin  # noqa: E402, F401
