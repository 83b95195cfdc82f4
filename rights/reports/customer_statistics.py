"""Anonymised statistics about customers: cross-tables that identify no one.

A table counts customers by two attributes (age band, gender, prefecture,
the services they use (registrations in force), and from the usage history of
the last ``USAGE_MONTHS`` months what they did and through which channel; the
age band is the age reached this year, from the birth year, and the prefecture
is the one read from the address when it was saved, since both come from
encrypted values). A cell is published only when it counts at least ``k``
customers (default ``STATISTICS_MIN_CELL``, 10). Smaller non-zero cells are suppressed,
and so is every total below ``k``; then complementary suppression makes sure
that no line of the table (a row or column, together with its total) has
exactly one suppressed entry, since that entry would be its total minus the
published rest. Customers who withdrew the statistics purpose (when the
company defines one) or who are under a stop of use are left out entirely.

All counting is one GROUP BY query; suppression works on the small result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.models import ProcessingRestriction, Purpose
from consent.selectors import subjects_allowed_for_use
from portal.kernel.models import Profile, Service
from portal.kernel.prefectures import PREFECTURES, prefecture_name
from portal.records.models import UsageRecord

#: The usage history counted: the last 12 months (a customer is counted once per
#: kind of activity or channel they used, however many times).
USAGE_MONTHS = 12
AGE_BANDS = [(0, 19), (20, 29), (30, 39), (40, 49), (50, 59), (60, 69), (70, 200)]
UNKNOWN = "unknown"


def _age_band_expression(today: dt.date):
    # The date of birth is encrypted; the band is the age reached this year,
    # from the birth year kept beside it (Profile.birth_year).
    whens = []
    for low, high in AGE_BANDS:
        label = f"{low}+" if high >= 200 else f"{low}-{high}"
        whens.append(
            When(
                profile__birth_year__gte=today.year - high,
                profile__birth_year__lte=today.year - low,
                then=Value(label),
            )
        )
    return Case(*whens, default=Value(UNKNOWN), output_field=CharField())


def _prefecture_expression():
    # Derived from the (encrypted) address when the profile is saved.
    return Case(
        When(profile__prefecture="", then=Value(UNKNOWN)),
        When(profile__prefecture__isnull=True, then=Value(UNKNOWN)),
        default="profile__prefecture",
        output_field=CharField(),
    )


def _gender_expression():
    return Case(
        When(profile__gender="", then=Value(UNKNOWN)),
        When(profile__gender__isnull=True, then=Value(UNKNOWN)),
        default="profile__gender",
        output_field=CharField(),
    )


DIMENSIONS = {
    "age_band": _("Age band"),
    "gender": _("Gender"),
    "prefecture": _("Prefecture"),
    "service": _("Service"),
    "usage_activity": _("Usage: what was done (last 12 months)"),
    "usage_channel": _("Usage: channel (last 12 months)"),
}
USAGE_FIELDS = {"usage_activity": "activity", "usage_channel": "channel"}


def recent_usage(today: dt.date) -> FilteredRelation:
    """The customer's usage records of the last ``USAGE_MONTHS`` months, as one join:
    annotate it as ``_usage`` before a usage dimension is read."""
    since = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=USAGE_MONTHS * 366 // 12), dt.time.min)
    )
    return FilteredRelation("usage_records", condition=Q(usage_records__occurred_at__gte=since))


def current_registrations(today: dt.date) -> FilteredRelation:
    """The customer's service registrations in force on ``today``, as one join: annotate
    it as ``_registration`` before the service dimension is read (an ended contract
    no longer makes them a customer of that service)."""
    return FilteredRelation(
        "service_registrations",
        condition=Q(service_registrations__started_on__lte=today)
        & (
            Q(service_registrations__ended_on__isnull=True)
            | Q(service_registrations__ended_on__gte=today)
        ),
    )


def dimension_expression(name: str, today: dt.date):
    if name == "age_band":
        return _age_band_expression(today)
    if name == "gender":
        return _gender_expression()
    if name == "prefecture":
        return _prefecture_expression()
    if name in USAGE_FIELDS:
        return Coalesce(F(f"_usage__{USAGE_FIELDS[name]}"), Value(UNKNOWN))
    if name == "service":
        return Coalesce(F("_registration__service__code"), Value(UNKNOWN))
    raise ValueError(f"unknown dimension {name!r}")


def value_labels(dimension: str) -> dict[str, str]:
    """How the values of a dimension are shown (codes become their labels)."""
    labels: dict[str, str] = {UNKNOWN: str(_("unknown"))}
    if dimension == "gender":
        labels.update({code: str(label) for code, label in Profile.Gender.choices})
    elif dimension == "prefecture":
        labels.update({name: prefecture_name(name) for name, _romaji in PREFECTURES})
    elif dimension == "service":
        labels[UNKNOWN] = str(_("no service in use"))
        labels.update({s.code: s.display_name for s in Service.objects.all()})
    elif dimension in USAGE_FIELDS:
        labels[UNKNOWN] = str(_("no usage"))
        model = UsageRecord._meta.get_field(USAGE_FIELDS[dimension])
        labels.update({code: str(label) for code, label in model.choices})
    return labels


def population(*, at: dt.datetime | None = None):
    """Customers counted: active, not staff, with a profile, and not opted out.

    Excluded: anyone under a stop of use in force (for any purpose or all), and
    anyone the statistics purpose does not allow when the company defines one
    (``STATISTICS_PURPOSE_CODE``, default "statistics").
    """
    at = at or timezone.now()
    stopped = ProcessingRestriction.objects.filter(
        subject=OuterRef("pk"),
        scope=ProcessingRestriction.Scope.USE,
        starts_at__lte=at,
    ).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))
    users = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=False, profile__isnull=False)
        .exclude(Exists(stopped))
    )
    purpose = Purpose.objects.filter(code=settings.STATISTICS_PURPOSE_CODE).first()
    if purpose is not None:
        users = users.filter(pk__in=subjects_allowed_for_use(purpose, at=at).values("pk"))
    return users


@dataclass
class Table:
    rows: list[str]
    cols: list[str]
    cells: dict[tuple[str, str], int | None]
    row_totals: dict[str, int | None]
    col_totals: dict[str, int | None]
    total: int | None
    k: int

    @property
    def suppressed_count(self) -> int:
        entries = [*self.cells.values(), *self.row_totals.values(), *self.col_totals.values()]
        return sum(1 for v in [*entries, self.total] if v is None)


def value_order(dimension: str):
    """The sort key of a dimension's values: prefectures in the official order
    (北海道 first), anything else by its value; "unknown" last."""
    if dimension == "prefecture":
        rank = {name: i for i, (name, _romaji) in enumerate(PREFECTURES)}
        return lambda value: (value == UNKNOWN, rank.get(value, len(rank)), value)
    return lambda value: (value == UNKNOWN, value)


def suppress(
    counts: dict[tuple[str, str], int], *, k: int, row_order=None, col_order=None
) -> Table:
    """Apply primary and complementary suppression to a table of counts.

    Published values are ints; suppressed ones are None. Row and column totals
    are the sums of their cells. Guarantees: every published cell and total is
    0 or at least ``k``, and no row or column (with its total), nor the line
    of row totals or column totals (with the grand total), has exactly one
    suppressed entry.
    """
    rows = sorted({r for r, _ in counts}, key=row_order)
    cols = sorted({c for _, c in counts}, key=col_order)
    cells = {(r, c): counts.get((r, c), 0) for r in rows for c in cols}
    row_totals = {r: sum(cells[r, c] for c in cols) for r in rows}
    col_totals = {c: sum(cells[r, c] for r in rows) for c in cols}
    total = sum(row_totals.values())

    hidden: set = set()

    def small(value: int) -> bool:
        return 0 < value < k

    for key, value in cells.items():
        if small(value):
            hidden.add(("cell", key))
    for r, value in row_totals.items():
        if small(value):
            hidden.add(("row", r))
    for c, value in col_totals.items():
        if small(value):
            hidden.add(("col", c))
    if small(total):
        hidden.add(("total", None))

    # Every line: its cells plus its total; the margins form two more lines.
    lines = [[("cell", (r, c)) for c in cols] + [("row", r)] for r in rows]
    lines += [[("cell", (r, c)) for r in rows] + [("col", c)] for c in cols]
    lines.append([("row", r) for r in rows] + [("total", None)])
    lines.append([("col", c) for c in cols] + [("total", None)])

    def value_of(entry):
        kind, key = entry
        if kind == "cell":
            return cells[key]
        if kind == "row":
            return row_totals[key]
        if kind == "col":
            return col_totals[key]
        return total

    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for entry in line if entry in hidden) != 1:
                continue
            # Hide the smallest other entry of the line, preferring inner cells
            # (and non-zero ones) to totals, so as little as possible is lost.
            candidates = [entry for entry in line if entry not in hidden]
            candidates.sort(
                key=lambda e: (e[0] in ("row", "col", "total"), value_of(e) == 0, value_of(e))
            )
            hidden.add(candidates[0])
            changed = True

    return Table(
        rows=rows,
        cols=cols,
        cells={key: None if ("cell", key) in hidden else v for key, v in cells.items()},
        row_totals={r: None if ("row", r) in hidden else v for r, v in row_totals.items()},
        col_totals={c: None if ("col", c) in hidden else v for c, v in col_totals.items()},
        total=None if ("total", None) in hidden else total,
        k=k,
    )


def cross_table(row_dim: str, col_dim: str, *, k: int | None = None, today=None) -> Table:
    """Count the population by two dimensions, then suppress small cells."""
    if row_dim == col_dim or row_dim not in DIMENSIONS or col_dim not in DIMENSIONS:
        raise ValueError("Choose two different dimensions.")
    k = k or settings.STATISTICS_MIN_CELL
    today = today or timezone.localdate()
    users = population()
    if {row_dim, col_dim} & set(USAGE_FIELDS):
        users = users.annotate(_usage=recent_usage(today))
    if "service" in (row_dim, col_dim):
        users = users.annotate(_registration=current_registrations(today))
    grouped = (
        users.annotate(
            _row=dimension_expression(row_dim, today), _col=dimension_expression(col_dim, today)
        )
        .values("_row", "_col")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    counts = {(row["_row"], row["_col"]): row["n"] for row in grouped}
    return suppress(counts, k=k, row_order=value_order(row_dim), col_order=value_order(col_dim))
