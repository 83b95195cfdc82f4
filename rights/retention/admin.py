"""Retention in the admin: rules, legal holds (place, release), deferred erasures, runs,
the erasure ledger. Imported by ``rights/admin.py``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal.kernel.access import REFERENCE, ReadOnlyAdmin
from portal.kernel.admin_confirm import confirmation_response, is_confirmed
from portal.kernel.admin_lists import CappedCountPaginator, DateRangeFilter
from portal.kernel.audit import audit_staff_view
from portal.kernel.registry import Category, registry

from ..admin_columns import clipped, day, period
from .hold_form import EVERY_CUSTOMER, EVERY_SERVICE, LegalHoldForm
from .holds.services import hold_place, hold_release
from .models import (
    DeferredErasure,
    ErasureLedgerEntry,
    LegalHold,
    RetentionRule,
    RetentionRun,
)
from .release_admin import data_label, release_confirmation, released_message
from .rule_changes import rule_save
from .texts import period_text, retention_sentence

# -- rules ---------------------------------------------------------------------------------


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    # The code under the name, the statute cut to a few lines: the list fits beside
    # the navigation and the filters at 1280 pixels.
    list_display = [
        "rule",
        "category",
        "period",
        "trigger",
        "obligation",
        "erase_when_expired",
        "display_statute",
    ]
    list_filter = ["obligation", "erase_when_expired", "trigger", "category"]

    class Media:
        # Many columns beside the navigation and the filters: they wrap to fit.
        css = {"all": ["css/admin-lists.css"]}

    search_fields = ["code", "name", "name_en", "statute", "statute_en"]
    staff_scope = REFERENCE
    readonly_fields = ["as_customers_read_it", "used_by", "updated_at"]
    fieldsets = [
        (None, {"fields": ["code", "name", "name_en", "category", "used_by"]}),
        (
            _("Period"),
            {
                "fields": [
                    "trigger",
                    "trigger_offset_months",
                    ("period_years", "period_months", "period_days"),
                    "loss_year_period_years",
                    "obligation",
                    "erase_when_expired",
                ]
            },
        ),
        (
            _("Law"),
            {
                "fields": [
                    "statute",
                    "statute_en",
                    "legal_basis",
                    "legal_basis_en",
                    "as_customers_read_it",
                    "updated_at",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # The code ties the rule to the declarations; renaming it would orphan them.
        return [*self.readonly_fields, "code"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        rule_save(rule=obj, actor=request.user, http_request=request)

    @admin.display(description=_("retention rule"), ordering="code")
    def rule(self, obj):
        return format_html('{}<br><span class="rr-code">{}</span>', obj.display_name, obj.code)

    @admin.display(description=_("statute"))
    def display_statute(self, obj):
        return clipped(obj.display_statute)

    @admin.display(description=_("period"))
    def period(self, obj):
        return period_text(obj) or "—"

    @admin.display(description=_("as customers read it"))
    def as_customers_read_it(self, obj):
        return retention_sentence(obj) if obj and obj.pk else "—"

    @admin.display(description=_("used by"))
    def used_by(self, obj):
        sources = [s for s in registry.sources() if obj and obj.code in s.retention_codes]
        if not sources:
            return _("No personal-data source names this code.")
        return format_html_join(", ", "{} ({})", ((s.label, s.key) for s in sources))


# -- legal holds ---------------------------------------------------------------------------


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
        today = timezone.localdate()
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
    """The services, and the holds without one, which cover every service."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.empty_value_display = EVERY_SERVICE


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

    @admin.display(description=_("in effect"), ordering="ends_on")
    def in_effect(self, obj):
        return period(obj.starts_on, obj.ends_on)

    @admin.display(description=_("status"))
    def state(self, obj):
        if obj.released_at:
            return _("Released")
        today = timezone.localdate()
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
        extra_context = {**(extra_context or {}), "release_form": ReleaseForm()}
        return super().change_view(request, object_id, form_url, extra_context)


# -- deferred erasures, runs, ledger ----------------------------------------------------------


@admin.register(DeferredErasure)
class DeferredErasureAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "request_link",
        "subject",
        "data",
        "kept_by",
        "erase_on",
    ]
    list_filter = ["status", "reason", "rule", "legal_hold", ("not_before", DateRangeFilter)]
    list_select_related = ["subject", "rule", "legal_hold", "request"]
    search_fields = ["subject__email", "source", "=request__id"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ["status", "not_before", "pk"]

    class Media:
        # Many columns beside the navigation and the filters: they wrap to fit.
        css = {"all": ["css/admin-lists.css"]}

    @admin.display(description=_("request"))
    def request_link(self, obj):
        if obj.request_id is None:
            return "—"
        url = reverse("admin:rights_rightsrequest_change", args=[obj.request_id])
        return format_html('<a href="{}">{}</a>', url, obj.request.reference)

    @admin.display(description=_("deferred erasure"), ordering="pk")
    def reference(self, obj):
        return f"D-{obj.pk:05d}"

    @admin.display(description=_("data"))
    def data(self, obj):
        # With the number of records when not all: one column less, to fit 1280 pixels.
        what, count = data_label(obj.source, obj.category), len(obj.record_ids or [])
        if not count:
            return what
        records = ngettext("%(what)s, %(count)d record", "%(what)s, %(count)d records", count)
        return records % {"what": what, "count": count}

    @admin.display(
        description=DeferredErasure._meta.get_field("not_before").verbose_name,
        ordering="not_before",
    )
    def erase_on(self, obj):
        # The status under the day: one column less, so the list fits at 1280 pixels.
        return format_html(
            '{}<br><span class="rr-state">{}</span>', day(obj.not_before), obj.get_status_display()
        )

    @admin.display(description=_("kept by"))
    def kept_by(self, obj):
        if obj.legal_hold_id:
            return obj.legal_hold
        if obj.rule_id:
            return clipped(obj.rule.display_statute or obj.rule.code)
        return obj.get_reason_display()


def _named(name, code: str) -> str:
    return _("%(name)s (%(code)s)") % {"name": name, "code": code} if name else code


def _source_label(key: str):
    try:
        return registry.source(key).label
    except LookupError:
        return None


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "job",
        "dry_run",
        "started_by",
        "state",
        "heartbeat_at",
        "total",
        "error_count",
        "finished_at",
    ]
    list_filter = ["job", "status", "dry_run", ("started_at", DateRangeFilter)]
    staff_scope = REFERENCE  # counts per rule and source, no customer
    show_full_result_count = False
    paginator = CappedCountPaginator
    fields = [
        "job",
        "dry_run",
        "started_by",
        "state",
        "started_at",
        "heartbeat_at",
        "resumed",
        "finished_at",
        "count_table",
        "error_list",
    ]
    readonly_fields = fields

    STARTED_BY = {
        "beat": _("Schedule (beat)"),
        "command": _("Command (run_retention)"),
        "admin": _("Admin"),
    }

    @admin.display(description=_("started by"), ordering="trigger")
    def started_by(self, obj):
        return self.STARTED_BY.get(obj.trigger, obj.trigger)

    @admin.display(description=_("status"), ordering="status")
    def state(self, obj):
        """Interrupted for a run that stopped beating: its worker died; the next run resumes it."""
        if obj.is_interrupted():
            return format_html(
                '<strong class="rt-held" title="{}">{}</strong>',
                _("No heartbeat for longer than the timeout; the next run resumes it."),
                obj.get_state_display(),
            )
        return obj.get_state_display()

    @admin.display(description=_("records"))
    def total(self, obj):
        return obj.total

    @admin.display(description=_("errors"))
    def error_count(self, obj):
        return len(obj.errors)

    @admin.display(description=_("counts per rule and source"))
    def count_table(self, obj):
        """Each rule (or purge, or reason) and source by its name, its code beside it."""
        rules = {rule.code: rule.display_name for rule in RetentionRule.objects.all()}
        rows = [
            (_named(rules.get(rule), rule), _named(_source_label(source), source), count)
            for rule, per_source in sorted(obj.counts.items())
            for source, count in sorted(per_source.items())
        ]
        if not rows:
            return _("Nothing to erase.")
        return format_html(
            '<table class="rt-counts"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            _("Rule or reason"),
            _("Source"),
            _("Records"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description=_("errors"))
    def error_list(self, obj):
        if not obj.errors:
            return "—"
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((e,) for e in obj.errors))
        )


@admin.register(ErasureLedgerEntry)
class ErasureLedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["erased_at", "reason", "subject_id", "source", "category", "rule", "count"]
    list_filter = ["reason", "source", "category", ("erased_at", DateRangeFilter)]
    search_fields = ["=subject__id", "source", "rule", "=request__id"]
    show_full_result_count = False
    paginator = CappedCountPaginator
