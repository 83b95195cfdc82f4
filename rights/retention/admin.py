"""Retention in the admin: rules, deferred erasures, runs, the erasure ledger, and the
legal holds (``hold_admin``). Imported by ``rights/admin.py``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext, npgettext
from django.utils.translation import gettext_lazy as _

from portal.kernel.access import REFERENCE, ReadOnlyAdmin
from portal.kernel.admin_columns import clipped, day
from portal.kernel.admin_confirm import confirmation_response, is_confirmed
from portal.kernel.admin_lists import CappedCountPaginator, DateRangeFilter
from portal.kernel.registry import registry

from . import hold_admin  # noqa: F401 (registers the legal holds)
from .models import (
    DeferredErasure,
    ErasureLedgerEntry,
    RetentionRule,
    RetentionRun,
)
from .release_admin import data_label
from .rule_changes import rule_save
from .rule_expiry import SHOWN_FIELD, expiry_confirmation, expiry_fingerprint, newly_expired
from .steps import copy_awaited
from .texts import period_text, retention_sentence

# -- rules ---------------------------------------------------------------------------------


class _ExpiresNow(Exception):
    """A rule change would let the next sweep erase records at once: ask first (again,
    when ``changed``: what was confirmed is not what it would do now)."""

    def __init__(self, rule, counts, shown: str, *, changed: bool):
        super().__init__(rule.code)
        self.rule, self.counts, self.shown, self.changed = rule, counts, shown, changed


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    # The code under the name, the statute cut to a few lines: the list fits beside
    # the navigation and the filters at 1280 pixels.
    list_display = [
        "rule",
        "category",
        "period",
        "starts",
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
                    "regime",
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

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _ExpiresNow as expiring:
            # Nothing was saved (the change form's transaction is rolled back).
            back = request.get_full_path()
            confirmation = expiry_confirmation(
                expiring.rule, expiring.counts, changed=expiring.changed
            )
            return confirmation_response(
                self,
                request,
                expiring.rule,
                confirmation,
                back_url=back,
                shown=[(SHOWN_FIELD, expiring.shown)],
            )

    def save_model(self, request, obj, form, change):
        # Counted at every POST, the confirming one too: saved only when it is what the
        # officer was shown (more records may be past the period by now, or another
        # officer may have changed the rule).
        counts = newly_expired(obj)
        if counts:
            shown = expiry_fingerprint(obj, counts)
            posted = request.POST.get(SHOWN_FIELD, "") if is_confirmed(request) else ""
            if not constant_time_compare(posted, shown):
                raise _ExpiresNow(obj, counts, shown, changed=bool(posted))
        rule_save(rule=obj, actor=request.user, http_request=request)
        if not any(obj.code in source.retention_codes for source in registry.sources()):
            # The rule applies only where a declaration names its code: say so, or it
            # looks in force while the sweep and every deletion pass it by.
            messages.warning(
                request,
                gettext(
                    "No personal-data source names the code “%(code)s”: this rule keeps and "
                    "erases nothing until a declaration (personal_data.py) uses that code."
                )
                % {"code": obj.code},
            )

    @admin.display(description=_("retention rule"), ordering="code")
    def rule(self, obj):
        return format_html('{}<br><span class="rr-code">{}</span>', obj.display_name, obj.code)

    @admin.display(description=_("statute"))
    def display_statute(self, obj):
        return clipped(obj.display_statute)

    @admin.display(description=_("period"))
    def period(self, obj):
        text = period_text(obj) or "—"
        if obj.loss_year_period_years is not None:
            text += gettext(" (%(period)s for fiscal years with a loss carried forward)") % {
                "period": period_text(obj, years=obj.loss_year_period_years)
            }
        return text

    @admin.display(description=_("starts from"), ordering="trigger")
    def starts(self, obj):
        event = obj.get_trigger_display()
        if not obj.trigger_offset_months:
            return event
        months = npgettext(
            "months after an event", "%(n)d month", "%(n)d months", obj.trigger_offset_months
        ) % {"n": obj.trigger_offset_months}
        return gettext("%(months)s after: %(event)s") % {"months": months, "event": event}

    @admin.display(description=_("as customers read it"))
    def as_customers_read_it(self, obj):
        return retention_sentence(obj) if obj and obj.pk else "—"

    @admin.display(description=_("used by"))
    def used_by(self, obj):
        sources = [s for s in registry.sources() if obj and obj.code in s.retention_codes]
        if not sources:
            return _("No personal-data source names this code.")
        return format_html_join(", ", "{} ({})", ((s.label, s.key) for s in sources))


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
    show_facets = admin.ShowFacets.NEVER
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
        # An erased step shows the day it was erased: an open-ended hold had no day.
        when = obj.done_at if obj.status == DeferredErasure.Status.DONE else obj.not_before
        return format_html(
            '{}<br><span class="rr-state">{}</span>', day(when), obj.get_status_display()
        )

    @admin.display(description=_("kept by"))
    def kept_by(self, obj):
        if obj.legal_hold_id:
            return obj.legal_hold
        if obj.rule_id:
            return clipped(obj.rule.display_statute or obj.rule.code)
        copy = copy_awaited(obj) if obj.status == DeferredErasure.Status.PENDING else None
        if copy is not None:
            url = reverse("admin:rights_rightsrequest_change", args=[copy.pk])
            return format_html(
                gettext("Waiting for {kind} {link} to be built"),
                kind=copy.get_kind_display(),
                link=format_html('<a href="{}">{}</a>', url, copy.reference),
            )
        return obj.get_reason_display()


def _named(name, code: str) -> str:
    return _("%(name)s (%(code)s)") % {"name": name, "code": code} if name else code


def _source_label(key: str):
    try:
        return registry.source(key).label
    except LookupError:
        return None


class RetentionRunForm(forms.ModelForm):
    class Meta:
        # The field's help under the answer, as help: not read as the answer.
        help_texts = {"was_dry_run": RetentionRun._meta.get_field("dry_run").help_text}


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    form = RetentionRunForm
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
    show_facets = admin.ShowFacets.NEVER
    fields = [
        "job",
        "was_dry_run",
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
        "hand": _("By hand (not the beat)"),
        "admin": _("Admin"),
    }

    @admin.display(description=_("dry run"))
    def was_dry_run(self, obj):
        """Yes or no in words: an icon alone, with the help under it, read as the answer."""
        return gettext("yes") if obj.dry_run else gettext("no")

    @admin.display(description=_("started by"), ordering="trigger")
    def started_by(self, obj):
        if obj.trigger == "command":
            command = "reapply_erasures" if obj.job == RetentionRun.Job.REAPPLY else "run_retention"
            return gettext("Command (%(name)s)") % {"name": command}
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
    list_display = ["erased_at", "reason", "customer_number", "source", "category", "rule", "count"]
    list_filter = ["reason", "source", "category", ("erased_at", DateRangeFilter)]
    search_fields = ["=subject__id", "source", "rule", "=request__id"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    show_facets = admin.ShowFacets.NEVER

    # The number, not the account: the entry outlives an erased or closed account.
    @admin.display(description=_("customer number"), ordering="subject_id")
    def customer_number(self, obj):
        return obj.subject_id
