"""Admin change lists over large tables: a date-range filter and a capped count.

``date_hierarchy`` runs a grouped query over the whole table to draw its
year and month links, and Django's paginator counts every matching row:
both grow with the table. :class:`DateRangeFilter` filters on two dates the
staff type instead (no query to draw it), and :class:`CappedCountPaginator`
counts at most ``CAP`` rows. :class:`DefaultChoiceFilter` lets a list open on
a subset (the open requests, the runs worth a look) with "all" one click away.
:class:`LargeTableAdmin` puts both together with
``show_full_result_count = False`` and ``show_facets = NEVER``: Django's
"Show counts" link would count the filtered table once per filter choice.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .dates import validate_filter_day


class DefaultChoiceFilter(admin.SimpleListFilter):
    """A filter whose lookups include its own "all" choice, and that applies one of
    them when none is chosen in the address (:meth:`chosen`, e.g. the open requests
    unless a search is typed): no "All" link of Django's own, and the choice that
    applies is the one shown selected."""

    def __init__(self, request, params, model, model_admin):
        self.request = request
        super().__init__(request, params, model, model_admin)

    def chosen(self, request) -> str:
        """The lookup that applies: the one in the address, or the default."""
        raise NotImplementedError

    def choices(self, changelist):
        chosen = self.chosen(self.request)
        for value, title in self.lookup_choices:
            yield {
                "selected": chosen == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": title,
            }


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows, so a change list never counts a whole huge table.

    ``qs[:CAP + 1].count()`` becomes ``SELECT COUNT(*) FROM (... LIMIT CAP+1)``:
    its cost is bounded whatever the table's size. Past the cap the last pages
    are not offered; filters narrow the list instead.
    """

    CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list[: self.CAP + 1].count()


class DateRangeFilter(admin.FieldListFilter):
    """Rows from one day to another (both included) of a date or date-time field.

    ``?<field>__from=2026-04-01&<field>__to=2026-04-30``; either may be left
    out. A date-time field is compared from the start of the first day to
    the start of the day after the last, in the site's time zone, so the
    index on the column serves the query. A value that is not a date is
    named in a message and ignored.
    """

    template = "admin/portal/date_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.since_param = f"{field_path}__from"
        self.until_param = f"{field_path}__to"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.since = self._date(request, self.since_param)
        self.until = self._date(request, self.until_param)

    def _date(self, request, param) -> dt.date | None:
        raw = self.used_parameters.get(param)
        if isinstance(raw, list):
            raw = raw[-1] if raw else None
        if not raw:
            return None
        try:
            day = parse_date(str(raw).strip())
        except ValueError:
            day = None
        if day is None:
            messages.warning(
                request,
                gettext(
                    "“%(value)s” is not a date (YYYY-MM-DD): the filter %(title)s is not applied."
                )
                % {"value": raw, "title": self.title},
            )
            return None
        try:
            validate_filter_day(day)
        except ValidationError as error:
            messages.warning(
                request,
                gettext("“%(value)s”: %(problem)s The filter %(title)s is not applied.")
                % {"value": raw, "problem": " ".join(error.messages), "title": self.title},
            )
            return None
        return day

    def expected_parameters(self):
        return [self.since_param, self.until_param]

    def has_output(self):
        return True

    def _bound(self, day: dt.date):
        if isinstance(self.field, models.DateTimeField):
            return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        return day

    def queryset(self, request, queryset):
        if self.since is not None:
            queryset = queryset.filter(**{f"{self.field_path}__gte": self._bound(self.since)})
        if self.until is not None:
            end = self.until + dt.timedelta(days=1)
            queryset = queryset.filter(**{f"{self.field_path}__lt": self._bound(end)})
        return queryset

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {}

    def choices(self, changelist):
        self.other_params = [
            (name, value)
            for name, value in changelist.params.items()
            if name not in self.expected_parameters()
        ]
        yield {
            "selected": self.since is None and self.until is None,
            "query_string": changelist.get_query_string(remove=self.expected_parameters()),
            "display": _("All"),
        }

    @property
    def since_value(self) -> str:
        return self.since.isoformat() if self.since else ""

    @property
    def until_value(self) -> str:
        return self.until.isoformat() if self.until else ""


class LargeTableAdmin(admin.ModelAdmin):
    """A change list whose cost does not grow with its table: no full count."""

    show_full_result_count = False
    paginator = CappedCountPaginator
    show_facets = admin.ShowFacets.NEVER
