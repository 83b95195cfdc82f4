"""What may not be erased now, and until when.

Two kinds of hold keep data from being erased:

* a retention rule with a legal obligation (``RetentionRule.obligation``),
  computed per record from the rule's event and period: an invoice is held
  until :func:`rights.retention.periods.keep_until` of its fiscal year;
* a staff :class:`~rights.retention.models.LegalHold`, stored, which wins over
  everything until it ends or is released.

Both are expressed as ``Q`` conditions on a source's model, so the deletion
workflow, the deferred erasures and the retention sweep ask the database the
same question, for one customer or for a whole table. Only model sources
(:class:`portal.kernel.registry.ModelSource`) are evaluated per record; another
source is held as a whole when a hold covers it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.lookups import IsNull, LessThan
from django.utils import timezone

from portal.kernel.models import ServiceRegistration
from portal.kernel.registry import DELETE, Category, ModelSource, Source

from .. import periods as dates
from ..dryrun import in_dry_run
from ..models import AccountClosure, LegalHold, RetentionRule, RetentionTrigger

#: A condition no row meets (``pk__in=[]`` is answered without a query).
NOTHING = Q(pk__in=[])


def fiscal_end_month() -> int:
    return settings.RIGHTS_FISCAL_YEAR_END_MONTH


def loss_years() -> frozenset[int]:
    return frozenset(settings.RIGHTS_LOSS_FISCAL_YEARS)


# -- the columns a rule needs --------------------------------------------------------


def subject_column(source: ModelSource) -> str:
    return source.subject_path or "pk"


def record_date_field(source: Source) -> str | None:
    """The date a source's records are dated by: ``source.record_date`` when
    declared, else the first field of its display order when that is a date."""
    declared = getattr(source, "record_date", None)
    if declared:
        return declared
    if not isinstance(source, ModelSource):
        return None
    for name in source.order_by:
        name = name.lstrip("-")
        if name == "pk":
            break
        field = source.model._meta.get_field(name)
        if isinstance(field, models.DateField):  # DateTimeField is a DateField
            return name
        break
    return None


def _date_bound(source: ModelSource, field_name: str, day: dt.date):
    """What to compare ``field < day`` with: the day, or its local midnight."""
    field = source.model._meta.get_field(field_name)
    if isinstance(field, models.DateTimeField):
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return day


def _registrations(source: ModelSource):
    registrations = ServiceRegistration.objects.filter(user=OuterRef(subject_column(source)))
    if source.service_path:
        registrations = registrations.filter(service=OuterRef(source.service_path))
    elif source.service_code:
        registrations = registrations.filter(service__code=source.service_code)
    return registrations


def expired_q(rule: RetentionRule, source: Source, today: dt.date) -> Q | None:
    """Rows of ``source`` whose period under ``rule`` ended before ``today``.

    None when the rule cannot be evaluated for the source (no record date for
    a date rule, or not a model source): then nothing counts as expired.
    """
    if not isinstance(source, ModelSource):
        return None
    trigger = rule.trigger
    if trigger in (RetentionTrigger.RECORD_DATE, RetentionTrigger.FISCAL_YEAR_END):
        field = record_date_field(source)
        if field is None:
            return None
        if trigger == RetentionTrigger.RECORD_DATE:
            cutoff = dates.event_cutoff(today, dates.Period.of(rule))
            return Q(**{f"{field}__lt": _date_bound(source, field, cutoff)})
        month = fiscal_end_month()
        last = dates.fiscal_record_cutoff(today, dates.Period.of(rule), month)
        condition = Q(**{f"{field}__lt": _date_bound(source, field, last + dt.timedelta(days=1))})
        if rule.loss_year_period_years is not None and loss_years():
            longer = dates.Period.of(rule, loss_year=True)
            last_loss = dates.fiscal_record_cutoff(today, longer, month)
            for year in sorted(loss_years()):
                year_end = dates.fiscal_year_end(dt.date(year, month, 1), month)
                if last_loss < year_end <= last:
                    # A loss year: its records keep the longer period.
                    start = dates.fiscal_year_start(year_end)
                    condition &= ~Q(
                        **{
                            f"{field}__gte": _date_bound(source, field, start),
                            f"{field}__lt": _date_bound(
                                source, field, year_end + dt.timedelta(days=1)
                            ),
                        }
                    )
        return condition
    cutoff = dates.event_cutoff(today, dates.Period.of(rule))
    if trigger == RetentionTrigger.RELIANCE_END:
        return reliance_ended_q(source, cutoff)
    if trigger == RetentionTrigger.REGISTRATION_END:
        # No registration still running or ended too recently. Once the
        # registrations themselves are erased (under a rule at least as long),
        # what is left of the service's data is past its period too.
        return ~Exists(
            _registrations(source).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=cutoff))
        )
    if trigger == RetentionTrigger.ACCOUNT_CLOSURE:
        return Q(
            _closed_before(source, timezone.make_aware(dt.datetime.combine(cutoff, dt.time.min)))
        )
    return None


def _closed_before(source: ModelSource, bound: dt.datetime) -> Exists:
    return Exists(
        AccountClosure.objects.filter(user=OuterRef(subject_column(source)), closed_at__lt=bound)
    )


def reliance_ended_q(source: ModelSource, cutoff: dt.date) -> Q | None:
    """Rows no longer relied on since before ``cutoff``: the source says when each row
    stopped being relied on (``reliance_ended_at()``, NULL while it is, e.g. a consent
    in force); the closure of the customer's account ends reliance too. None for a
    source that cannot say."""
    ended_at = getattr(source, "reliance_ended_at", None)
    if ended_at is None:
        return None
    bound = timezone.make_aware(dt.datetime.combine(cutoff, dt.time.min))
    ended = ended_at()
    # "Has ended, and before the bound": false, not NULL, while relied on, so that
    # the negation (still held) is true for it.
    ended_before = Q(IsNull(ended, False)) & Q(LessThan(ended, bound))
    return ended_before | Q(_closed_before(source, bound))


def already_erased_q(source: Source, category: str) -> Q | None:
    """Rows of an anonymising source whose ``category`` fields hold their replacement.

    The sweep and reruns skip them, so nothing is erased (or counted) twice.
    None for a deleting source: an erased row is simply gone.
    """
    if not isinstance(source, ModelSource) or source.erasure != "anonymise":
        return None
    condition = Q()
    for personal_field in source.fields_in(category):
        if personal_field.erase_to is DELETE:
            return None
        if personal_field.erase_to is None:
            condition &= Q(**{f"{personal_field.name}__isnull": True})
        else:
            condition &= Q(**{personal_field.name: personal_field.erase_to})
    return condition


# -- staff holds ----------------------------------------------------------------------


def active_holds(*, subject=None, on: dt.date | None = None) -> list[LegalHold]:
    """Staff holds in force on ``on``; with ``subject``, those that may concern them."""
    holds = LegalHold.objects.active(on).select_related("service")
    if subject is not None:
        holds = holds.filter(Q(subject=subject) | Q(subject__isnull=True))
    return list(holds)


def held_subject_ids(subject_ids, *, on: dt.date | None = None) -> set[int]:
    """Of ``subject_ids``, the customers a staff hold in force covers (in part or whole):
    a hold on them, or on every customer of a service they are registered with."""
    holds = LegalHold.objects.active(on)
    held = set(holds.filter(subject_id__in=subject_ids).values_list("subject_id", flat=True))
    services = holds.filter(subject__isnull=True).values("service_id")
    held |= set(
        ServiceRegistration.objects.filter(user_id__in=subject_ids, service__in=services)
        .values_list("user_id", flat=True)
        .distinct()
    )
    return held


def held_elsewhere(subject, *, on: dt.date | None = None) -> list[LegalHold]:
    """The staff holds in force that keep ``subject``'s data outside this database.

    A system outside knows neither our services nor our records, so every hold
    on the customer counts, and every hold on all customers of a service they
    are registered with; a hold limited to named records of ours keeps nothing
    elsewhere.
    """
    registered = ServiceRegistration.objects.filter(user=subject).values("service_id")
    return [
        hold
        for hold in LegalHold.objects.active(on).filter(
            Q(subject=subject) | Q(subject__isnull=True, service__in=registered)
        )
        if not hold.records
    ]


def held_categories(holds: Iterable[LegalHold]) -> set[str]:
    """The categories ``holds`` keep (a hold naming none keeps every category)."""
    held: set[str] = set()
    for hold in holds:
        held |= set(hold.categories or Category.values)
    return held


# -- holds for one erasing batch ------------------------------------------------------

# PostgreSQL advisory lock between placing a hold and erasing ("HOLD", 0).
_HOLD_LOCK = (0x484F4C44, 0)


def lock_holds(*, exclusive: bool) -> None:
    """Take the lock between placing holds and erasing; call inside a transaction.

    :func:`~rights.retention.holds.services.hold_place` takes it exclusively, each
    erasing batch shared before it reads the holds. On PostgreSQL a
    transaction-level advisory lock, so a hold being placed waits for the
    batches in progress and a batch waits for a hold being placed; SQLite
    (IMMEDIATE transactions) lets one writer in at a time anyway. A dry run,
    which erases nothing for good, takes no lock.
    """
    if connection.vendor != "postgresql" or in_dry_run():
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", list(_HOLD_LOCK))


@dataclass(frozen=True)
class BatchHolds:
    """The staff holds one erasing batch read, and the guard for its statement.

    ``holds`` decide row by row what the batch leaves (:func:`staff_held_q`).
    :meth:`unchanged_q`, added to the erasing statement's condition, makes the
    statement erase nothing when a hold in force is missing from ``holds``
    (placed after they were read): checked by the database when the statement
    runs, it holds under PostgreSQL's READ COMMITTED as well. The batch then
    reads the holds again and is redone (:meth:`changed`).
    """

    holds: list[LegalHold]
    on: dt.date
    subject: object = None

    def _unseen(self):
        unseen = LegalHold.objects.active(self.on).exclude(pk__in=[h.pk for h in self.holds])
        if self.subject is not None:
            unseen = unseen.filter(Q(subject=self.subject) | Q(subject__isnull=True))
        return unseen

    def unchanged_q(self) -> Q:
        return Q(~Exists(self._unseen()))

    def changed(self) -> bool:
        return self._unseen().exists()

    def check(self) -> None:
        """Raise :class:`HoldPlaced` when a hold in force is missing from ``holds``;
        call at the end of the batch's transaction, which then rolls back."""
        if self.changed():
            raise HoldPlaced


class HoldPlaced(Exception):
    """A hold was placed while a batch ran: the batch is undone and redone."""


class redo_on_hold_placed:
    """Around a batch's transaction: swallows :class:`HoldPlaced` and says so.

    ``with redo_on_hold_placed() as redo, transaction.atomic(): ...`` then
    ``if redo.needed:`` run the batch again (at most :data:`BATCH_ATTEMPTS` times).
    """

    needed = False

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        self.needed = kind is not None and issubclass(kind, HoldPlaced)
        return self.needed


def batch_holds(*, on: dt.date, subject=None) -> BatchHolds:
    """The holds in force for one erasing batch: call first in the batch's transaction."""
    lock_holds(exclusive=False)
    return BatchHolds(active_holds(subject=subject, on=on), on, subject)


#: A batch that found a hold placed while it ran is redone at most this many
#: times (holds are placed by staff, a few a day: twice in a row is already rare).
BATCH_ATTEMPTS = 5


def hold_covers_category(hold: LegalHold, source: Source, category: str) -> bool:
    """Erasing ``category`` from ``source`` would touch data the hold keeps.

    Deleting a row removes every category it holds, so a deleting source is
    held when any of its categories is; anonymising touches only ``category``.
    """
    if not hold.categories:
        return True
    if source.erasure == "delete":
        return any(c in hold.categories for c in source.categories())
    return category in hold.categories


def hold_q(hold: LegalHold, source: Source, category: str) -> Q:
    """The rows of ``source`` the hold keeps from erasure of ``category``."""
    if not isinstance(source, ModelSource) or not hold_covers_category(hold, source, category):
        return NOTHING
    condition = Q()
    if hold.records:
        ids = [ref.split(":", 1)[1] for ref in hold.records if ref.split(":", 1)[0] == source.key]
        if not ids:
            return NOTHING
        condition &= Q(pk__in=ids)
    if hold.subject_id is not None:
        condition &= Q(**{subject_column(source): hold.subject_id})
    if hold.service_id is not None:
        if source.service_path:
            # Records of the service, and (to be safe) records tied to no service.
            condition &= Q(**{source.service_path: hold.service_id}) | Q(
                **{f"{source.service_path}__isnull": True}
            )
        elif source.service_code and source.service_code != hold.service.code:
            return NOTHING
        elif hold.subject_id is None:
            # Data about the customer as a whole: held for every customer of the service.
            customers = ServiceRegistration.objects.filter(service_id=hold.service_id)
            condition &= Q(**{f"{subject_column(source)}__in": customers.values("user")})
    return condition


def staff_held_q(holds: Iterable[LegalHold], source: Source, category: str) -> Q:
    condition = NOTHING
    for hold in holds:
        condition |= hold_q(hold, source, category)
    return condition


def rule_held_q(rule: RetentionRule | None, source: Source, today: dt.date) -> Q:
    """Rows a rule with a legal obligation still keeps on ``today``."""
    if rule is None or not rule.obligation:
        return NOTHING
    expired = expired_q(rule, source, today)
    return Q() if expired is None else ~expired


def held_q(
    source: Source, category: str, *, rules: list[RetentionRule], holds, today: dt.date
) -> Q:
    """Every row of ``source`` that may not lose ``category`` on ``today``."""
    return staff_held_q(holds, source, category) | rules_held_q(rules, source, today)


def rules_held_q(rules: list[RetentionRule], source: Source, today: dt.date) -> Q:
    """Rows a rule with a legal obligation among ``rules`` still keeps on ``today``."""
    condition = NOTHING
    for rule in rules:
        condition |= rule_held_q(rule, source, today)
    return condition
