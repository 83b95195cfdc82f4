"""The scheduled jobs' runs: one row per job and period the beat sent it for (a
claim, :mod:`portal.kernel.jobs`), so an operator or officer can see whether
last night's sweep or this morning's reminders ran, finished or failed. Read-only.

The jobs that run more often than hourly (the outbox drain every 10 seconds,
8,640 runs a day; the callback retry and the connectors' due tasks every
minute) mostly find nothing to do. By default the list leaves out those runs
that finished having done nothing; a run of theirs that did something, has not
finished or failed on the way is listed, and so is every run of the other jobs.
"All runs", or choosing a job, lists them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from celery.schedules import crontab, maybe_schedule
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Q
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .access import OVERSIGHT, ReadOnlyAdmin
from .admin_columns import moment, zoned_heading
from .admin_lists import CappedCountPaginator, DateRangeFilter, DefaultChoiceFilter
from .jobs import OUTCOME_LABELS, rule_names
from .models import ScheduledRun
from .registry import RecordNotFound, registry

#: A job that runs more often than this is "frequent": its idle runs are left out.
FREQUENT = dt.timedelta(hours=1)


def frequent_jobs(entries: dict) -> list[str]:
    """The beat entries that run more often than hourly (interval schedules shorter
    than :data:`FREQUENT`, crontabs naming more than one minute of an hour)."""
    names = []
    for name, entry in entries.items():
        schedule = maybe_schedule(entry.get("schedule"))
        if isinstance(schedule, crontab):
            if len(schedule.minute) > 1:
                names.append(name)
        elif schedule.run_every < FREQUENT:
            names.append(name)
    return sorted(names)


def idle_frequent_runs() -> Q:
    """Runs of the frequent jobs that finished, never failed and did nothing (what an
    idle run returns: 0, or no counts)."""
    return Q(
        job__in=frequent_jobs(settings.CELERY_BEAT_SCHEDULE),
        finished_at__isnull=False,
        failures=0,
    ) & (Q(result=0) | Q(result={}))


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
        return [
            ("yes", _("Finished")),
            ("no", _("Not finished")),
            ("failed", _("Failed, not finished")),
        ]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(finished_at__isnull=self.value() == "no")
        if self.value() == "failed":
            return queryset.filter(finished_at__isnull=True, failures__gt=0)
        return queryset


class RunsFilter(DefaultChoiceFilter):
    """Without the idle runs of the frequent jobs unless asked (see the module); no
    value means that, unless a job is chosen: then all of its runs."""

    title = _("runs shown")
    parameter_name = "runs"
    ACTIVE, ALL = "active", "all"

    def lookups(self, request, model_admin):
        return [
            (self.ACTIVE, _("Without idle runs of frequent jobs")),
            (self.ALL, _("All runs")),
        ]

    def chosen(self, request) -> str:
        if self.value() in (self.ACTIVE, self.ALL):
            return self.value()
        return self.ALL if request.GET.get(JobFilter.parameter_name) else self.ACTIVE

    def queryset(self, request, queryset):
        if self.chosen(request) == self.ACTIVE:
            return queryset.exclude(idle_frequent_runs())
        return queryset


class RunsChangeList(ChangeList):
    """Reads the rules' names once for the page's rows that count by rule (each row
    would read them again)."""

    def get_results(self, request):
        super().get_results(request)
        if any(_by_rule(run.result) for run in self.result_list):
            names = rule_names()
            for run in self.result_list:
                run.rule_names = names


def _by_rule(result) -> bool:
    return isinstance(result, dict) and any(isinstance(v, dict) for v in result.values())


#: The run's times, shown through the display methods below, keep their fields' help.
TIMES = {
    "period_start_at": "period_start",
    "claimed": "claimed_at",
    "finished": "finished_at",
    "failed": "failed_at",
}


class ScheduledRunForm(forms.ModelForm):
    class Meta:
        model = ScheduledRun
        fields = []
        help_texts = {
            shown: ScheduledRun._meta.get_field(name).help_text for shown, name in TIMES.items()
        }


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyAdmin):
    staff_scope = OVERSIGHT  # operations: officers and auditors
    # When it was claimed is on the run's page: the list keeps room for what it did.
    list_display = ["job", "period_start_at", "finished", "state", "outcome"]
    list_filter = [RunsFilter, JobFilter, FinishedFilter, ("period_start", DateRangeFilter)]
    ordering = ["-period_start", "-pk"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    show_facets = admin.ShowFacets.NEVER

    def get_changelist(self, request, **kwargs):
        return RunsChangeList

    fields = [
        "job",
        "period_start_at",
        "task_id",
        "claimed",
        "finished",
        "state",
        "outcome",
        "failed",
        "failures",
        "error",
    ]
    readonly_fields = fields
    form = ScheduledRunForm

    # The times are the reader's, their zone named in the heading (as on the audit
    # screen): a night run at 02:00 JST is not read as 02:00 UTC.
    @admin.display(description=zoned_heading(capfirst(_("period start"))), ordering="period_start")
    def period_start_at(self, obj):
        return moment(obj.period_start)

    @admin.display(description=zoned_heading(capfirst(_("claimed at"))), ordering="claimed_at")
    def claimed(self, obj):
        return moment(obj.claimed_at)

    @admin.display(description=zoned_heading(capfirst(_("finished at"))), ordering="finished_at")
    def finished(self, obj):
        return moment(obj.finished_at)

    @admin.display(description=zoned_heading(capfirst(_("failed at"))), ordering="failed_at")
    def failed(self, obj):
        return moment(obj.failed_at)

    class Media:
        # Six columns beside the navigation and the filters: they wrap to fit.
        css = {"all": ["css/admin-lists.css"]}

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.finished_at is not None:
            if not obj.failures:
                return _("Finished")
            return format_html(
                '{}<br><span class="rr-code">{}</span>',
                _("Finished"),
                ngettext(
                    "after %(count)s failed attempt",
                    "after %(count)s failed attempts",
                    obj.failures,
                )
                % {"count": obj.failures},
            )
        if obj.failures:
            return format_html(
                '<strong title="{}">{}</strong><br><span class="rr-code">{}</span><br>{}',
                _(
                    "The job raised an error and did not finish. A retry of the same message, "
                    "or the next period's run, does what is left; the worker's log has the "
                    "details."
                ),
                _("Failed"),
                obj.error,
                ngettext("failed %(count)s time", "failed %(count)s times", obj.failures)
                % {"count": obj.failures},
            )
        return format_html(
            '<strong title="{}">{}</strong>',
            _(
                "Not finished and no error recorded: still running, or its worker stopped "
                "(killed or lost) and the message will run again."
            ),
            _("Not finished"),
        )

    @admin.display(description=_("what it did"))
    def outcome(self, obj):
        if obj.finished_at is None:
            return "—"
        return format_html_join(
            SafeString("<br>"),
            "{}",
            ((line,) for line in outcome_lines(obj.result, getattr(obj, "rule_names", None))),
        )


def _count(value) -> str:
    return ngettext("%(count)s item", "%(count)s items", value) % {"count": value}


def outcome_lines(result, rules: Mapping[str, str] | None = None) -> list[str]:
    """What a job returned, as lines for staff (HTML, escaped): a count; counts by rule
    and source, one rule a line, the rule by its name with its code beside it as the
    rules list shows it, each source by its registry label with its key in a tooltip
    ("Usage history (usage-log): Usage history 587 items"; a code no longer declared
    as it is); counts by outcome, each outcome by the label its app declared
    (:func:`.jobs.describe_outcomes`: "Asked to erase: 2 items"); nothing erased is 0.
    ``rules``: the rules' names by code, when the caller has read them already."""
    if result is None:
        return ["—"]
    if isinstance(result, bool) or not isinstance(result, (int, float, dict)):
        return [str(result)]
    if isinstance(result, (int, float)):
        return [_count(result)]
    if not result:
        return [_count(0)]
    if rules is None:
        rules = rule_names() if _by_rule(result) else {}
    lines = []
    for key, value in result.items():
        if isinstance(value, dict):
            parts = [
                format_html("{} {}", _source_name(inner), " ".join(outcome_lines(count)))
                for inner, count in value.items()
            ]
            value = format_html_join(", ", "{}", ((part,) for part in parts)) or _count(0)
            lines.append(_line(_rule_name(key, rules), value))
        elif key in OUTCOME_LABELS:
            lines.append(_line(OUTCOME_LABELS[key], " ".join(outcome_lines(value))))
        else:
            lines.append(format_html("{} {}", key, " ".join(outcome_lines(value))))
    return lines


def _line(key, value) -> SafeString:
    """``key: value`` in the reader's language, each part escaped unless safe."""
    return SafeString(
        gettext("%(key)s: %(value)s")
        % {"key": format_html("{}", key), "value": format_html("{}", value)}
    )


def _rule_name(code: str, names) -> str:
    name = names.get(code)
    if not name:
        return code
    return gettext("%(name)s (%(code)s)") % {"name": name, "code": code}


def _source_name(key: str) -> SafeString:
    try:
        label = registry.source(key).label
    except RecordNotFound:
        return format_html("{}", key)
    return format_html('<span title="{}">{}</span>', key, label)
