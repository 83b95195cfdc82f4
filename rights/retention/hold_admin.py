"""Legal holds in the admin: placed with the records they keep, listed by state and
service, released with a reason after a confirmation of what it will erase. Imported
by ``rights/retention/admin.py``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from portal.kernel.admin_columns import last_day, period, portal_zone_heading
from portal.kernel.admin_confirm import confirmation_response, is_confirmed
from portal.kernel.audit import audit_staff_view
from portal.kernel.dates import portal_day
from portal.kernel.models.services import by_name
from portal.kernel.registry import Category
from portal.kernel.selectors import services_visible_to

from .hold_form import EVERY_CUSTOMER, EVERY_SERVICE, LegalHoldForm
from .holds.services import hold_place, hold_release
from .models import DeferredErasure, LegalHold
from .release_admin import next_deferred_run, release_confirmation, released_message


class HoldStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("active", _("In force")),
            ("upcoming", _("Not started yet")),
            ("released", _("Released")),
            ("ended", _("Ended")),
        ]

    def queryset(self, request, queryset):
        today = portal_day()
        if self.value() == "active":
            return queryset.active()
        if self.value() == "upcoming":
            return queryset.filter(released_at__isnull=True, starts_on__gt=today)
        if self.value() == "released":
            return queryset.filter(released_at__isnull=False)
        if self.value() == "ended":
            return queryset.filter(released_at__isnull=True, ends_on__lt=today)
        return queryset


class HoldServiceFilter(admin.RelatedFieldListFilter):
    """The services by name (a handler's own only), and the holds without one, which
    cover every service."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.empty_value_display = EVERY_SERVICE

    def field_choices(self, field, request, model_admin):
        services = services_visible_to(request.user)
        return [(s.pk, s.display_name) for s in by_name(services)]


class ReleaseForm(forms.Form):
    reason = forms.CharField(label=_("Why is the hold released?"), max_length=4000)


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    form = LegalHoldForm
    list_display = [
        "__str__",
        "held_subject",
        "held_service",
        "category_names",
        "in_effect",
        "state",
        "placed_by",
    ]
    list_filter = [HoldStatusFilter, ("service", HoldServiceFilter)]
    list_select_related = ["subject", "service", "placed_by"]
    search_fields = ["subject__email", "reason", "legal_basis"]
    # Customers are many: the subject is found by name or address as staff type.
    autocomplete_fields = ["subject"]
    change_form_template = "admin/rights/legalhold/change_form.html"

    class Media:
        js = ["js/hold-records.js"]
        # Many columns beside the navigation and the filters: they wrap to fit.
        css = {"all": ["css/admin-lists.css"]}

    readonly_after = [
        "placed_by",
        "placed_at",
        "released_at",
        "released_by",
        "release_reason",
        "waiting_erasures",
    ]

    # Once placed, the stored lists are shown in words, and an empty customer or
    # service as what it covers.
    shown_after = {
        "subject": "held_subject",
        "service": "held_service",
        "categories": "category_names",
        "records": "record_list",
        "ends_on": "ends_on_shown",
    }

    def get_fields(self, request, obj=None):
        fields = list(LegalHoldForm.Meta.fields)
        if obj is None:
            return fields
        return [*(self.shown_after.get(f, f) for f in fields), *self.readonly_after]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # A placed hold is evidence of what was kept and why: it is released, not edited.
        return self.get_fields(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        subject = getattr(context["adminform"].form, "record_subject", None)
        if add and subject is not None:
            # The customer's records are listed (ids, dates): a staff view of their data.
            audit_staff_view(request, what="hold_records", subject=subject)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(
        description=LegalHold._meta.get_field("subject").verbose_name, ordering="subject__email"
    )
    def held_subject(self, obj):
        if obj.subject is None:
            return EVERY_CUSTOMER
        url = reverse("admin:portal_user_change", args=[obj.subject_id])
        return format_html('<a href="{}">{}</a>', url, obj.subject)

    @admin.display(
        description=LegalHold._meta.get_field("service").verbose_name, ordering="service__code"
    )
    def held_service(self, obj):
        return EVERY_SERVICE if obj.service is None else obj.service

    @admin.display(description=_("specific records"))
    def record_list(self, obj):
        return ", ".join(obj.records) if obj.records else _("All")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing is editable once placed
        data = form.cleaned_data  # validated by the form, as hold_place validates
        placed = hold_place(
            actor=request.user,
            subject=data.get("subject"),
            service=data.get("service"),
            categories=data.get("categories"),
            records=data.get("records"),
            reason=data["reason"],
            legal_basis=data["legal_basis"],
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            http_request=request,
        )
        obj.pk = placed.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        pass

    @admin.display(description=_("categories"))
    def category_names(self, obj):
        if not obj.categories:
            return _("All")
        return ", ".join(str(Category(c).label) for c in obj.categories if c in Category.values)

    @admin.display(description=portal_zone_heading(_("in effect")), ordering="ends_on")
    def in_effect(self, obj):
        return period(obj.starts_on, obj.ends_on)

    @admin.display(description=LegalHold._meta.get_field("ends_on").verbose_name)
    def ends_on_shown(self, obj):
        """A placed hold's last day, or that it has none (LegalHold.ends_on)."""
        return last_day(obj.ends_on)

    @admin.display(description=_("status"))
    def state(self, obj):
        if obj.released_at:
            return _("Released")
        today = portal_day()
        if obj.ends_on and obj.ends_on < today:
            return _("Ended")
        if obj.starts_on > today:
            return _("Starts on %(day)s") % {"day": date_format(obj.starts_on, "DATE_FORMAT")}
        return format_html('<strong class="rt-held">{}</strong>', _("In force"))

    @admin.display(description=_("erasures waiting for it"))
    def waiting_erasures(self, obj):
        count = obj.deferred_erasures.filter(status=DeferredErasure.Status.PENDING).count()
        url = reverse("admin:rights_deferrederasure_changelist")
        return format_html('<a href="{}?legal_hold__id__exact={}">{}</a>', url, obj.pk, count)

    def get_urls(self):
        return [
            path(
                "<id:pk>/release/",
                self.admin_site.admin_view(require_POST(self.release_view)),
                name="rights_legalhold_release",
            ),
            *super().get_urls(),
        ]

    def release_view(self, request, pk):
        hold = self.get_queryset(request).filter(pk=pk).first()
        if hold is None:
            raise Http404
        if not self.has_change_permission(request, hold):
            raise PermissionDenied
        form = ReleaseForm(request.POST)
        back = HttpResponseRedirect(reverse("admin:rights_legalhold_change", args=[hold.pk]))
        if not form.is_valid():
            self.message_user(request, _("Give the reason for the release."), messages.ERROR)
            return back
        if hold.released_at is not None:
            # A second click, or a page left open: the first release and its reason stand.
            self.message_user(
                request,
                _("This hold was already released on %(day)s; nothing changed.")
                % {"day": date_format(timezone.localtime(hold.released_at), "DATE_FORMAT")},
                messages.WARNING,
            )
            return back
        if not is_confirmed(request):
            # The erasures the hold deferred run next: what will happen is shown first.
            confirmation = release_confirmation(hold, reason=form.cleaned_data["reason"])
            return confirmation_response(self, request, hold, confirmation, back_url=back.url)
        try:
            hold_release(
                hold=hold,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                http_request=request,
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return back
        self.message_user(request, released_message(hold))
        return back

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "release_form": ReleaseForm(),
            "next_deferred_run": next_deferred_run(),
        }
        return super().change_view(request, object_id, form_url, extra_context)
