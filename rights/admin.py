"""The staff queue of rights requests and each request's working page."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from portal.kernel import zones
from portal.kernel.admin_confirm import confirmation_response, is_confirmed
from portal.kernel.audit import audit_staff_view
from portal.kernel.form_errors import form_errors_text
from portal.kernel.models.services import by_name

from . import services, workflow
from .admin_queue import (
    AgentRefusedFilter,
    AssigneeFilter,
    CappedCountPaginator,
    DeadlineFilter,
    QueueColumnsMixin,
    ServiceFilter,
    StateFilter,
    time_left,
)
from .admin_working_page import (
    AssignForm,
    ExtendForm,
    QueueAssignMixin,
    RegimeForm,
    StaffMessageForm,
    TransitionForm,
    WorkingPageFieldsMixin,
    held_back,
    notice_languages,
    repeated_know_requests,
    scope_summary,
    timeline,
)
from .choices import Regime
from .confirmations import CONFIRMED_MOVES, posted_confirmation, transition_confirmation
from .connectors.admin import ConnectorAdminMixin
from .disclosure.admin import DisclosureAdminMixin, PostedForm
from .fee_admin import RequestFeeAdminMixin
from .models import Payment, RightsRequest
from .reports import admin_pages as report_pages
from .requesters.admin import IdentityAdminMixin
from .retention.plan_admin import ErasurePlanAdminMixin
from .review_admin import RequestDecisionAdminMixin
from .selectors import STAFF, sees_all_services, visible_messages
from .uploads import download_response

#: A request's reference as staff type it: R-000009, r9, R000009.
_REFERENCE = re.compile(r"R-?0*([0-9]{1,9})", re.IGNORECASE)


@admin.register(RightsRequest)
class RightsRequestAdmin(
    ConnectorAdminMixin,
    IdentityAdminMixin,
    ErasurePlanAdminMixin,
    RequestDecisionAdminMixin,
    DisclosureAdminMixin,
    RequestFeeAdminMixin,
    QueueColumnsMixin,
    QueueAssignMixin,
    WorkingPageFieldsMixin,
    admin.ModelAdmin,
):
    class Media:
        # The queue's columns fit beside the navigation and the filters as the other
        # long lists do; the days left and the working page's warnings are coloured.
        css = {"all": ["css/admin-lists.css", "css/admin-rights.css"]}

    # The deadline, with the days left under it, first after what identifies the
    # request; at 1280 pixels the whole row fits once the navigation is folded.
    list_display = [
        "reference",
        "status",
        "deadline",
        "kind",
        "subject_email",
        "assigned_to",
        "law",
        "received",
    ]
    list_filter = [
        StateFilter,
        DeadlineFilter,
        "status",
        "kind",
        "regime",
        ServiceFilter,
        AssigneeFilter,
        AgentRefusedFilter,
    ]
    list_select_related = ["subject", "assignee", "identity"]
    # The queue by deadline; the id makes it a total order (Django would add "-pk",
    # which no index serves) and the composite index "rights_queue_due_id" reads it.
    ordering = ["due_at", "id"]
    search_fields = ["subject__email", "=id"]
    search_help_text = _("A reference (R-000009), a payment reference or an e-mail address.")
    show_full_result_count = False
    paginator = CappedCountPaginator
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    actions = ["assign_selected"]

    def get_search_results(self, request, queryset, search_term):
        """A request's reference as shown everywhere (R-000009) finds it, and so does
        the payment reference of one of its fees."""
        term = unicodedata.normalize("NFKC", search_term).strip()
        reference = _REFERENCE.fullmatch(term)
        if reference:
            return queryset.filter(pk=int(reference[1])), False
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if term:
            paid = Payment.objects.filter(reference__iexact=term).values("request_id")
            found |= queryset.filter(pk__in=paid)
        return found, duplicates

    change_form_template = "admin/rights/rightsrequest/change_form.html"
    readonly_fields = [
        "reference",
        "kind",
        "regime",
        "channel",
        "status",
        "subject",
        "requester",
        "notice_language",
        "service_names",
        "category_names",
        "scope_display",
        "details_display",
        "delivery_method",
        "assignee",
        "received_at",
        "time_zone",
        "due_at",
        "extended_to",
        "acknowledgement_due_at",
        "acknowledged_at",
        "rejection_ground",
        "closed_at",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "kind", "status", "regime", "channel"]}),
        (_("Who"), {"fields": ["subject", "requester", "notice_language", "assignee"]}),
        (
            _("What"),
            {
                "fields": [
                    "service_names",
                    "category_names",
                    "scope_display",
                    "details_display",
                    "delivery_method",
                ]
            },
        ),
        (
            # Its times are in the reader's zone, each with its name
            # (templates/admin/includes/fieldset.html); the request's own zone, in
            # which its days are counted, is the "time zone" field.
            _("Deadlines"),
            {
                "fields": [
                    "received_at",
                    "time_zone",
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
        return sees_all_services(request.user)

    def has_delete_permission(self, request, obj=None):
        # Requests are the company's record of how it answered (CCPA §7101).
        return False

    def can_work_on(self, request, obj) -> bool:
        return obj is not None and self.has_change_permission(request, obj)

    # -- columns ----------------------------------------------------------------

    @admin.display(description=_("services"))
    def service_names(self, obj):
        names = [s.display_name for s in by_name(obj.services.all())]
        return ", ".join(names) if names else _("All services")

    @admin.display(description=_("what is asked"))
    def scope_display(self, obj):
        return scope_summary(obj)

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
            *self.get_erasure_plan_urls(prefix),
            *self.get_connector_urls(wrap, prefix),
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

    def confirmation_page(self, request, obj, confirmation):
        """Nothing done yet: what the action will do, and the button that does it. The
        page may show the person's data (a correction's values now): the view is audited,
        as the erasure plan's is."""
        self.audit_view(request, obj, screen="confirmation")
        back = reverse("admin:rights_rightsrequest_change", args=[obj.pk])
        return confirmation_response(self, request, obj, confirmation, back_url=back)

    def _report(self, request, form, error=None):
        texts = []
        if error is not None:
            texts = error.messages if isinstance(error, ValidationError) else [str(error)]
        elif form is not None:
            texts = [form_errors_text(form)]
        self.message_user(request, " ".join(texts), messages.ERROR)

    def transition_view(self, request, pk):
        """A status button: the workflow decides (rights.transition_rules) and says why not."""
        obj = self._object_for_work(request, pk)
        form = TransitionForm(request.POST)
        if not form.is_valid():
            self._report(request, form)
            return self._back(obj)
        to, reason, ground = (form.cleaned_data[name] for name in ("to", "reason", "ground"))
        if self.needs_erasure_plan(obj, to) and self.may_start(obj, request.user):
            # A deletion erases as it enters "in progress": its plan is shown first.
            return self.erasure_plan_redirect(obj)
        try:
            if to in CONFIRMED_MOVES and obj.status != to and not is_confirmed(request):
                # Closing tells the person the answer: first what will happen, if it can.
                confirmation = transition_confirmation(
                    obj, to=to, actor=request.user, reason=reason, ground=ground
                )
                return self.confirmation_page(request, obj, confirmation)
            workflow.transition(
                obj, to=to, actor=request.user, reason=reason, ground=ground, http_request=request
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
            self.message_user(request, _("The deadline is extended; the requester is told."))
        return self._back(obj)

    def assign_view(self, request, pk):
        obj = self._object_for_work(request, pk)
        form = AssignForm(request.POST)
        if form.is_valid():
            assignee = form.cleaned_data["assignee"]
            try:
                services.request_assign(
                    requests=[obj], assignee=assignee, actor=request.user, http_request=request
                )
            except ValidationError as error:
                self._report(request, None, error)
            else:
                self.message_user(
                    request,
                    _("Assigned to %(who)s.") % {"who": assignee.email}
                    if assignee
                    else _("No one is assigned now."),
                )
        else:
            self._report(request, form)
        return self._back(obj)

    def regime_view(self, request, pk):
        obj = self._object_for_work(request, pk)
        form = RegimeForm(request.POST)
        if not form.is_valid():
            self._report(request, form)
            return self._back(obj)
        regime = form.cleaned_data["regime"]
        if obj.regime == regime:
            self.message_user(
                request,
                _("The request is already under %(regime)s; nothing changed.")
                % {"regime": Regime(regime).label},
                messages.WARNING,
            )
            return self._back(obj)
        try:
            changed = services.request_change_regime(
                request=obj,
                regime=regime,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                http_request=request,
            )
        except ValidationError as error:
            self._report(request, None, error)
        else:
            told = _(
                "The request is now under %(regime)s; its answer is due %(due)s. "
                "The requester is told the law and the date."
            )
            due = zones.written(changed.due_at)
            self.message_user(request, told % {"regime": Regime(regime).label, "due": due})
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
        else:
            self.message_user(request, _("Your message is sent."))
        return self._back(obj)

    def disclosure_posted_view(self, request, pk):
        """The "sent by post" button completes the request: what it tells the person is
        confirmed first; the confirmed POST is DisclosureAdminMixin's view."""
        if is_confirmed(request):
            return super().disclosure_posted_view(request, pk)
        obj = self._object_for_work(request, pk)
        form = PostedForm(request.POST, request=obj)
        if not form.is_valid():
            self._report(request, form)
            return self._back(obj)
        confirmation = posted_confirmation(obj, posted_on=form.cleaned_data["posted_on"])
        return self.confirmation_page(request, obj, confirmation)

    def attachment_view(self, request, pk, message_pk):
        obj = self.get_queryset(request).filter(pk=pk).first()
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404
        message = visible_messages(obj, STAFF).filter(pk=message_pk).exclude(attachment="").first()
        if message is None:
            raise Http404
        audit_staff_view(request, what="attachment", subject=obj.subject, target=message)
        return download_response(
            message.attachment, name=message.attachment_name, content_type=message.attachment_type
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
                (status, self.transition_label(obj, status))
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
            **self.connector_context(obj, can_work=can_work),
            **self.account_closing_context(request, obj),
            **self.copy_wait_context(obj),
            "can_work": can_work,
            "reason_required": sorted(workflow.STAFF_REASON_REQUIRED),
            "grounds": workflow.request_ground_choices(obj),
            "know_limit_earlier": repeated_know_requests(obj) if obj is not None else [],
            "regimes": Regime.choices,
            "extend_form": ExtendForm(),
            "assign_form": AssignForm(initial={"assignee": obj.assignee_id}),
            "message_form": StaffMessageForm(),
            "time_left": time_left(obj),
            "notice_languages": notice_languages(obj) if obj is not None else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)


report_pages.register(admin.site)


# Retention rules, legal holds, deferred erasures, runs and the ledger. The published
# fees; notice texts; corporate customers, their members and designated contact.
from . import (  # noqa: E402, F401
    fee_schedule_admin,
    notice_text_admin,
    notification_admin,
    organisation_admin,
)
from .retention import admin as retention_admin  # noqa: E402, F401
