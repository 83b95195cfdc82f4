"""Figures for the privacy office: the request dashboard and the period metrics.

Every figure is an aggregate query (GROUP BY, conditional COUNT, a sorted
slice for percentiles); nothing loops over the requests in Python, so the
number of queries is the same at a thousand requests and at a million.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from portal.kernel import zones
from portal.kernel.models import Service
from portal.kernel.models.services import by_name

from ..choices import Kind, Regime, RejectionGround, Status, told_ground
from ..deadlines import regime_time_zone
from ..models import OPEN_STATUSES, PAUSED_STATUSES, RightsRequest

ANSWERED = (Status.COMPLETED, Status.PARTIALLY_COMPLETED, Status.REJECTED)
DONE = (Status.COMPLETED, Status.PARTIALLY_COMPLETED)

_DURATION = ExpressionWrapper(F("closed_at") - F("received_at"), output_field=DurationField())


def percentile_days(queryset, fraction: float) -> float | None:
    """The ``fraction`` percentile (0.5 = median) of closed_at − received_at, in days.

    Linear interpolation between the two nearest ranks, like PostgreSQL's
    ``percentile_cont``; portable: one COUNT and one sorted two-row slice.
    """
    total = queryset.count()
    if not total:
        return None
    position = (total - 1) * fraction
    low = math.floor(position)
    values = list(
        queryset.annotate(_duration=_DURATION)
        .order_by("_duration")
        .values_list("_duration", flat=True)[low : low + 2]
    )
    days = [v.total_seconds() / 86400 for v in values]
    if len(days) == 1 or position == low:
        return round(days[0], 1)
    return round(days[0] + (days[1] - days[0]) * (position - low), 1)


@dataclass
class Dashboard:
    period_start: dt.date
    period_end: dt.date
    open_total: int = 0
    by_status: list[dict] = field(default_factory=list)
    by_kind: list[dict] = field(default_factory=list)
    matrix: dict = field(default_factory=dict)
    overdue: int = 0
    due_soon: int = 0
    per_service: list[dict] = field(default_factory=list)
    all_services: int = 0
    per_assignee: list[dict] = field(default_factory=list)
    completed_in_period: int = 0
    median_days: float | None = None
    p95_days: float | None = None
    trend: list[dict] = field(default_factory=list)


def _choice_order(choices, value: str) -> int:
    """Where ``value`` stands among ``choices`` (a value no longer offered goes last)."""
    try:
        return choices.values.index(value)
    except ValueError:
        return len(choices.values)


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _month_starts(now: dt.datetime, months: int) -> list[dt.date]:
    first = timezone.localdate(now).replace(day=1)
    starts = []
    year, month = first.year, first.month
    for _ in range(months):
        starts.append(dt.date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(starts))


def dashboard(
    requests,
    *,
    period_start: dt.date,
    period_end: dt.date,
    now: dt.datetime | None = None,
    services=None,
) -> Dashboard:
    """The dashboard over ``requests`` (already scoped to what the viewer may see),
    counted per service over ``services`` (every service when None: a handler's
    board names only the services they answer for, as the queue's filter does).

    Period bounds are local dates, the end inclusive; they select the completed
    requests whose durations make the median and 95th percentile.
    """
    now = now or timezone.now()
    board = Dashboard(period_start=period_start, period_end=period_end)
    open_requests = requests.open()

    counts = list(open_requests.values("status", "kind").annotate(n=Count("pk")))
    status_totals: dict[str, int] = {}
    kind_totals: dict[str, int] = {}
    for row in counts:
        board.matrix[(row["status"], row["kind"])] = row["n"]
        status_totals[row["status"]] = status_totals.get(row["status"], 0) + row["n"]
        kind_totals[row["kind"]] = kind_totals.get(row["kind"], 0) + row["n"]
        board.open_total += row["n"]
    board.by_status = [
        {"status": s, "label": Status(s).label, "n": status_totals.get(s, 0)} for s in OPEN_STATUSES
    ]
    board.by_kind = [
        {"kind": k, "label": Kind(k).label, "n": kind_totals.get(k, 0)} for k in Kind.values
    ]
    board.overdue = requests.overdue(now).count()
    board.due_soon = requests.due_within(7, now).count()

    # Per service, the requests its queue filter lists (``concerning_services``): those
    # naming it and those naming none from its customers. One query: a count per
    # service as a subquery, the service three levels out (count, EXISTS, IN).
    concerning = (
        open_requests.concerning_services(
            Service.objects.filter(pk=OuterRef(OuterRef(OuterRef("pk"))))
        )
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(n=Count("pk"))
        .values("n")
    )
    services = Service.objects.all() if services is None else services
    per_service = services.annotate(n=Subquery(concerning, output_field=IntegerField()))
    board.per_service = [
        {"service": service, "n": service.n} for service in by_name(per_service) if service.n
    ]
    through = RightsRequest.services.through
    board.all_services = open_requests.filter(
        ~Exists(through.objects.filter(rightsrequest_id=OuterRef("pk")))
    ).count()
    board.per_assignee = list(
        open_requests.values("assignee_id", "assignee__email")
        .annotate(
            n=Count("pk"),
            # As in the headline (``overdue``): a paused clock is not overdue.
            overdue=Count("pk", filter=Q(due_at__lt=now) & ~Q(status__in=list(PAUSED_STATUSES))),
        )
        .order_by("assignee__email")
    )

    completed = requests.filter(
        status__in=DONE,
        closed_at__gte=_aware(period_start),
        closed_at__lt=_aware(period_end + dt.timedelta(days=1)),
    )
    board.completed_in_period = completed.count()
    board.median_days = percentile_days(completed, 0.5)
    board.p95_days = percentile_days(completed, 0.95)

    months = _month_starts(now, 12)
    since = _aware(months[0])
    tz = timezone.get_current_timezone()
    received = {
        row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]: row["n"]
        for row in requests.filter(received_at__gte=since)
        .annotate(month=TruncMonth("received_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("pk"))
    }
    closed = {
        row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]: row["n"]
        for row in requests.filter(closed_at__gte=since, status__in=DONE)
        .annotate(month=TruncMonth("closed_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("pk"))
    }
    board.trend = [
        {"month": m, "received": received.get(m, 0), "completed": closed.get(m, 0)} for m in months
    ]
    return board


@dataclass
class RegimeMetrics:
    regime: str
    label: str
    received: int = 0
    completed: int = 0
    partially_completed: int = 0
    rejected: int = 0
    withdrawn: int = 0
    expired: int = 0
    still_open: int = 0
    median_days: float | None = None
    rejected_by_ground: list[dict] = field(default_factory=list)
    by_kind: list[dict] = field(default_factory=list)
    #: The zone the regime's days are counted in (Asia/Tokyo), and its name in the
    #: reader's language ("JST", 「日本時間」).
    zone: str = ""
    zone_label: str = ""


def received_within(requests, *, start: dt.date, end: dt.date) -> Q:
    """The requests of ``requests`` received on the days ``start`` to ``end`` (inclusive),
    each day counted in the request's own zone: the one its deadlines count in.

    A year's figures are then the same whoever reads them: a CCPA request filed at
    23:30 on 31 December in California is of that year, though it is 1 January in
    Tokyo. One query finds the zones in use (a few: one per regime, as a rule).
    """
    condition = Q(pk__in=[])
    pairs = requests.order_by().values_list("time_zone", "regime").distinct()
    for time_zone, regime in pairs:
        zone = ZoneInfo(time_zone or regime_time_zone(regime))
        condition |= Q(
            time_zone=time_zone,
            regime=regime,
            received_at__gte=dt.datetime.combine(start, dt.time(), tzinfo=zone),
            received_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=zone),
        )
    return condition


def period_metrics(requests, *, start: dt.date, end: dt.date) -> list[RegimeMetrics]:
    """Per regime: requests received in [start, end] and what became of them.

    The figures CCPA §7102 asks large businesses to publish (received,
    complied with in whole or in part, denied, median days to respond), with
    withdrawn, expired and the rejections by legal ground. The days are those of
    each request's own zone (:func:`received_within`), not the reader's.
    """
    cohort = requests.filter(received_within(requests, start=start, end=end))
    outcome = {
        "received": Count("pk"),
        "completed": Count("pk", filter=Q(status=Status.COMPLETED)),
        "partially_completed": Count("pk", filter=Q(status=Status.PARTIALLY_COMPLETED)),
        "rejected": Count("pk", filter=Q(status=Status.REJECTED)),
        "withdrawn": Count("pk", filter=Q(status=Status.WITHDRAWN)),
        "expired": Count("pk", filter=Q(status=Status.EXPIRED)),
        "still_open": Count(
            "pk", filter=~Q(status__in=[*ANSWERED, Status.WITHDRAWN, Status.EXPIRED])
        ),
    }
    per_regime = {row["regime"]: row for row in cohort.values("regime").annotate(**outcome)}
    # Kinds and grounds in the order of their choices, as the dashboard and the forms
    # list them (disclosure first), not by their stored codes.
    per_kind = sorted(
        cohort.values("regime", "kind").annotate(**outcome).order_by(),
        key=lambda row: _choice_order(Kind, row["kind"]),
    )
    grounds = sorted(
        cohort.filter(status=Status.REJECTED)
        .values("regime", "rejection_ground")
        .annotate(n=Count("pk"))
        .order_by(),
        key=lambda row: _choice_order(RejectionGround, row["rejection_ground"]),
    )
    result = []
    for regime in Regime:
        row = per_regime.get(regime.value, {})
        metrics = RegimeMetrics(
            regime=regime.value,
            label=str(regime.label),
            zone=regime_time_zone(regime.value),
            zone_label=zones.label(start, regime_time_zone(regime.value)),
        )
        for name in outcome:
            setattr(metrics, name, row.get(name, 0))
        metrics.median_days = percentile_days(
            cohort.filter(regime=regime.value, status__in=ANSWERED), 0.5
        )
        metrics.rejected_by_ground = [
            {
                "ground": g["rejection_ground"],
                "label": told_ground(g["rejection_ground"], regime.value)
                if g["rejection_ground"] in RejectionGround.values
                else "—",
                "n": g["n"],
            }
            for g in grounds
            if g["regime"] == regime.value
        ]
        # §7102(a)(1) gives the days to respond for each kind (to know, to delete, ...):
        # one percentile per kind received, a few queries whatever the number of requests.
        metrics.by_kind = [
            {
                **k,
                "label": Kind(k["kind"]).label,
                "median_days": percentile_days(
                    cohort.filter(regime=regime.value, kind=k["kind"], status__in=ANSWERED), 0.5
                ),
            }
            for k in per_kind
            if k["regime"] == regime.value
        ]
        result.append(metrics)
    return result
