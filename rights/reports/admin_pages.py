"""The privacy office's report pages in the staff admin.

Registered on the admin site (behind its OTP login) from rights/admin.py:
the request dashboard, the period metrics (CSV and printable) and the
anonymised statistics (CSV).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.validators import MinValueValidator
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.kernel import spreadsheets, zones
from portal.kernel.audit import audit_log
from portal.kernel.dates import validate_filter_day
from portal.kernel.selectors import services_visible_to

from ..selectors import requests_visible_to, sees_all_services
from . import customer_statistics, request_metrics
from .request_log import request_log_view
from .svg_charts import monthly_bars

VIEW_PERMISSION = "rights.view_rightsrequest"


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, validators=[validate_filter_day]
    )
    end = forms.DateField(
        label=gettext_lazy("To"), required=False, validators=[validate_filter_day]
    )

    def __init__(self, data, *, default_days: int | None = None, default_year=False):
        super().__init__(data)
        today = timezone.localdate()
        if default_year:
            # The previous calendar year: the one whose metrics are published (CCPA regs
            # §7102); the year still running is not complete.
            last = today.year - 1
            self.default = (dt.date(last, 1, 1), dt.date(last, 12, 31))
        else:
            self.default = (today - dt.timedelta(days=default_days or 90), today)

    def period(self) -> tuple[dt.date, dt.date]:
        if not self.is_valid():
            return self.default
        start = self.cleaned_data.get("start") or self.default[0]
        end = self.cleaned_data.get("end") or self.default[1]
        if end < start:
            self.add_error("end", _("The end is before the start."))
            return self.default
        return start, end


def _queue(**params) -> str:
    return f"{reverse('admin:rights_rightsrequest_changelist')}?{urlencode(params)}"


def _check(request, *, all_services=False):
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    if all_services and not sees_all_services(request.user):
        raise PermissionDenied


def _context(request, **extra):
    return {**admin.site.each_context(request), **extra}


def dashboard_view(request):
    _check(request)
    form = PeriodForm(request.GET or None, default_days=90)
    start, end = form.period()
    board = request_metrics.dashboard(
        requests_visible_to(request.user),
        period_start=start,
        period_end=end,
        services=services_visible_to(request.user),
    )
    chart = monthly_bars(
        board.trend,
        title=_("Requests received and completed per month"),
        series=[("received", _("requests received")), ("completed", _("requests completed"))],
    )
    links = {
        "overdue": _queue(deadline="overdue"),
        "due_soon": _queue(deadline="due7"),
        "unassigned": _queue(assignee="none"),
    }
    status_rows = [{**row, "url": _queue(status__exact=row["status"])} for row in board.by_status]
    kind_rows = [{**row, "url": _queue(kind__exact=row["kind"])} for row in board.by_kind]
    matrix = [
        {
            **s,
            "cells": [
                {
                    "n": board.matrix.get((s["status"], k["kind"]), 0),
                    "url": _queue(status__exact=s["status"], kind__exact=k["kind"]),
                }
                for k in board.by_kind
            ],
        }
        for s in status_rows
    ]
    services = [{**row, "url": _queue(service=row["service"].pk)} for row in board.per_service]
    assignees = [
        {**row, "url": _queue(assignee=row["assignee_id"] or "none")} for row in board.per_assignee
    ]
    return TemplateResponse(
        request,
        "admin/reports/dashboard.html",
        _context(
            request,
            title=_("Request dashboard"),
            form=form,
            board=board,
            chart=chart,
            links=links,
            matrix=matrix,
            kinds=kind_rows,
            services=services,
            assignees=assignees,
            may_see_statistics=sees_all_services(request.user),
            # The period's days are the reader's (their zone, or the portal's).
            zone=zones.label(),
        ),
    )


def metrics_view(request):
    _check(request)
    form = PeriodForm(request.GET or None, default_year=True)
    start, end = form.period()
    rows = request_metrics.period_metrics(requests_visible_to(request.user), start=start, end=end)
    # A period not understood is shown with its error, never exported as another period.
    if request.GET.get("format") == "csv" and not form.errors:
        audit_log(
            action="report.metrics_exported",
            actor=request.user,
            request=request,
            details={"start": start.isoformat(), "end": end.isoformat()},
        )
        return _metrics_csv(rows, start, end)
    return TemplateResponse(
        request,
        "admin/reports/metrics.html",
        _context(
            request,
            title=_("Request metrics per period"),
            form=form,
            rows=rows,
            start=start,
            end=end,
            csv_url=f"?{urlencode({'start': start, 'end': end, 'format': 'csv'})}",
        ),
    )


def _metrics_csv(rows, start, end) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="request-metrics-{start}-{end}.csv"'
    response.write(spreadsheets.BOM)
    writer = spreadsheets.Writer(response)
    writer.writerow(
        [
            "regime",
            "kind",
            "received",
            "completed",
            "partially_completed",
            "rejected",
            "withdrawn",
            "expired",
            "still_open",
            "median_days_to_respond",
            # The zone (IANA name) each regime's days are counted in, as the page says:
            # a column, so that the header row stays the figures' names a program reads,
            # and last, so that the figures keep their places.
            "time_zone",
        ]
    )
    fields = ["received", "completed", "partially_completed", "rejected", "withdrawn",
              "expired", "still_open"]  # fmt: skip
    for row in rows:
        figures = [*(getattr(row, f) for f in fields), row.median_days]
        writer.writerow([row.regime, "all", *figures, row.zone])
        for kind in row.by_kind:
            figures = [*(kind[f] for f in fields), kind["median_days"]]
            writer.writerow([row.regime, kind["kind"], *figures, row.zone])
    writer.writerow([])
    writer.writerow(["regime", "rejection_ground", "rejected", "time_zone"])
    for row in rows:
        for ground in row.rejected_by_ground:
            writer.writerow([row.regime, ground["ground"], ground["n"], row.zone])
    return response


class StatisticsForm(forms.Form):
    rows = forms.ChoiceField(
        label=gettext_lazy("Rows"),
        choices=list(customer_statistics.DIMENSIONS.items()),
        initial="age_band",
    )
    cols = forms.ChoiceField(
        label=gettext_lazy("Columns"),
        choices=list(customer_statistics.DIMENSIONS.items()),
        initial="gender",
    )
    k = forms.IntegerField(
        label=gettext_lazy("Smallest published cell (k)"),
        max_value=1000,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # STATISTICS_MIN_CELL is the smallest cell ever published: staff may only raise it.
        least = max(settings.STATISTICS_MIN_CELL, 2)
        self.fields["k"].min_value = least
        self.fields["k"].validators.append(MinValueValidator(least))
        self.fields["k"].widget.attrs["min"] = least
        # Left empty, the smallest cell in force applies: the field says which.
        self.fields["k"].widget.attrs["placeholder"] = least

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("rows") and cleaned.get("rows") == cleaned.get("cols"):
            self.add_error("cols", _("Choose two different attributes."))
        return cleaned


def statistics_view(request):
    _check(request, all_services=True)
    # The page as first shown (and its CSV link) is the default table.
    params = {key: value for key, value in request.GET.items() if key != "format"}
    form = StatisticsForm(params or {"rows": "age_band", "cols": "gender"})
    table = None
    if form.is_valid():
        k = max(form.cleaned_data.get("k") or 0, settings.STATISTICS_MIN_CELL, 2)
        table = customer_statistics.cross_table(
            form.cleaned_data["rows"], form.cleaned_data["cols"], k=k
        )
        if request.GET.get("format") == "csv":
            audit_log(
                action="report.statistics_exported",
                actor=request.user,
                request=request,
                details={
                    "rows": form.cleaned_data["rows"],
                    "cols": form.cleaned_data["cols"],
                    "k": k,
                },
            )
            return _statistics_csv(table, form.cleaned_data["rows"], form.cleaned_data["cols"])
    return TemplateResponse(
        request,
        "admin/reports/statistics.html",
        _context(
            request,
            title=_("Anonymised statistics"),
            form=form,
            table=table,
            grid=_grid(table, form.cleaned_data) if table else None,
            col_labels=_col_labels(table, form.cleaned_data) if table else None,
            # What runs down × what across, as the CSV's corner says it in codes.
            corner=_corner(form.cleaned_data) if table else "",
            csv_url=f"?{urlencode({**form.data, 'format': 'csv'})}",
        ),
    )


def _grid(table, choice):
    labels = customer_statistics.value_labels(choice["rows"])
    return [
        {
            "label": labels.get(r, r),
            "cells": [table.cells[r, c] for c in table.cols],
            "total": table.row_totals[r],
        }
        for r in table.rows
    ]


def _corner(choice) -> str:
    # "×", not a backslash: Japanese fonts draw U+005C as a yen sign.
    names = customer_statistics.DIMENSIONS
    return f"{names[choice['rows']]} × {names[choice['cols']]}"


def _col_labels(table, choice):
    labels = customer_statistics.value_labels(choice["cols"])
    return [labels.get(c, c) for c in table.cols]


def _statistics_csv(table, rows, cols) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="statistics-{rows}-{cols}.csv"'
    # Prefectures and service codes are Japanese text: without the mark a spreadsheet
    # program reads them as Shift_JIS.
    response.write(spreadsheets.BOM)
    writer = spreadsheets.Writer(response)
    hidden = f"<{table.k}"
    writer.writerow([f"{rows} \\ {cols}", *table.cols, "total"])
    for r in table.rows:
        writer.writerow(
            [
                r,
                *(hidden if table.cells[r, c] is None else table.cells[r, c] for c in table.cols),
                hidden if table.row_totals[r] is None else table.row_totals[r],
            ]
        )
    writer.writerow(
        ["total", *(hidden if table.col_totals[c] is None else table.col_totals[c]
                    for c in table.cols),
         hidden if table.total is None else table.total]
    )  # fmt: skip
    return response


def register(site):
    site.register_view(
        "reports/",
        dashboard_view,
        name="reports_dashboard",
        title=gettext_lazy("Request dashboard"),
        permission=VIEW_PERMISSION,
    )
    site.register_view(
        "reports/metrics/",
        metrics_view,
        name="reports_metrics",
        title=gettext_lazy("Request metrics per period"),
        permission=VIEW_PERMISSION,
    )
    site.register_view(
        "reports/statistics/", statistics_view, name="reports_statistics",
        title=gettext_lazy("Anonymised statistics"), permission=VIEW_PERMISSION,
        allowed=sees_all_services,
    )  # fmt: skip
    # CCPA regs §7101: the whole log, like the audit trail, is the privacy office's.
    site.register_view(
        "reports/request-log/", request_log_view, name="reports_request_log",
        title=gettext_lazy("Request log"), permission=VIEW_PERMISSION,
        allowed=sees_all_services,
    )  # fmt: skip
