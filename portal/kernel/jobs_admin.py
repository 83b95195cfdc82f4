"""The scheduled jobs' runs: one row per job and period the beat sent it for (a
claim, :mod:`portal.kernel.jobs`), so an operator or officer can see whether
last night's sweep or this morning's reminders ran and finished. Read-only."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .access import OVERSIGHT, ReadOnlyAdmin
from .admin_lists import CappedCountPaginator, DateRangeFilter
from .jobs import OUTCOME_LABELS
from .models import ScheduledRun


class JobFilter(admin.SimpleListFilter):
    """The beat's schedule entries, from the settings: no scan of the table."""

    title = _("job")
    parameter_name = "job"

    def lookups(self, request, model_admin):
        return [(name, name) for name in sorted(settings.CELERY_BEAT_SCHEDULE)]

    def queryset(self, request, queryset):
        return queryset.filter(job=self.value()) if self.value() else queryset


class FinishedFilter(admin.SimpleListFilter):
    title = _("finished")
    parameter_name = "finished"

    def lookups(self, request, model_admin):
        return [("yes", _("Finished")), ("no", _("Not finished"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(finished_at__isnull=self.value() == "no")
        return queryset


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyAdmin):
    staff_scope = OVERSIGHT  # operations: officers and auditors
    # When it was claimed is on the run's page: the list keeps room for what it did.
    list_display = ["job", "period_start", "finished_at", "state", "outcome"]
    list_filter = [JobFilter, FinishedFilter, ("period_start", DateRangeFilter)]
    ordering = ["-period_start", "-pk"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    fields = ["job", "period_start", "task_id", "claimed_at", "finished_at", "state", "outcome"]
    readonly_fields = fields

    class Media:
        # Six columns beside the navigation and the filters: they wrap to fit.
        css = {"all": ["css/admin-lists.css"]}

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.finished_at is not None:
            return _("Finished")
        return format_html(
            '<strong title="{}">{}</strong>',
            _("Not finished: still running, or it failed (the worker's log says why)"),
            _("Not finished"),
        )

    @admin.display(description=_("what it did"))
    def outcome(self, obj):
        if obj.finished_at is None:
            return "—"
        return format_html_join(
            mark_safe("<br>"), "{}", ((line,) for line in outcome_lines(obj.result))
        )


def _count(value) -> str:
    return ngettext("%(count)s item", "%(count)s items", value) % {"count": value}


def outcome_lines(result) -> list[str]:
    """What a job returned, as lines for staff: a count; counts by rule and source, one
    rule a line (``usage-log: portal.usagerecord 587 items``), a rule by its code as the
    rules list names it; counts by outcome, each outcome by the label its app declared
    (:func:`.jobs.describe_outcomes`: "Asked to erase: 2 items"); nothing erased is 0."""
    if result is None:
        return ["—"]
    if isinstance(result, bool) or not isinstance(result, (int, float, dict)):
        return [str(result)]
    if isinstance(result, (int, float)):
        return [_count(result)]
    if not result:
        return [_count(0)]
    lines = []
    for key, value in result.items():
        if isinstance(value, dict):
            parts = [f"{inner} {' '.join(outcome_lines(count))}" for inner, count in value.items()]
            lines.append(gettext("%(key)s: %(value)s") % {"key": key, "value": ", ".join(parts)})
        elif key in OUTCOME_LABELS:
            lines.append(
                gettext("%(key)s: %(value)s")
                % {"key": OUTCOME_LABELS[key], "value": " ".join(outcome_lines(value))}
            )
        else:
            lines.append(f"{key} {' '.join(outcome_lines(value))}")
    return lines
