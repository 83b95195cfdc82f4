"""Retention rules, legal holds, deferred erasures, retention runs and the erasure ledger.

Imported by :mod:`rights.models`, so these are models of the ``rights`` app.
Fields, constraints and help texts only; writes are in
:mod:`rights.retention.erasure`, :mod:`rights.retention.holds` and
:mod:`rights.retention.jobs`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.kernel.db import append_only_triggers, localized
from portal.kernel.registry import Category


class RetentionTrigger(models.TextChoices):
    RECORD_DATE = "record_date", _("Date of the record")
    REGISTRATION_END = "registration_end", _("End of the customer's registration with the service")
    FISCAL_YEAR_END = "fiscal_year_end", _("End of the fiscal year of the record")
    ACCOUNT_CLOSURE = "account_closure", _("Closure of the customer's account")


class RetentionRule(models.Model):
    """How long data under one retention code is kept, from which event, and why.

    The code is the one personal-data declarations name (``retention=`` in
    ``<app>/personal_data.py``). A rule with ``obligation`` is a legal duty to
    keep: its data stays for the whole period even when the customer asks for
    deletion, and the deletion erases it on the day the period ends. A rule
    with ``erase_when_expired`` lets the retention sweep erase data once the
    period has passed.
    """

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("The retention code the personal-data declarations use, e.g. tax-records."),
    )
    name = models.CharField(
        _("name"), max_length=150, help_text=_("What the data is, in Japanese, e.g. 取引書類.")
    )
    name_en = models.CharField(
        _("name in English"),
        max_length=150,
        blank=True,
        help_text=_("Shown on English pages; the Japanese name is used when empty."),
    )
    category = models.CharField(
        _("data category"),
        max_length=20,
        choices=Category.choices,
        blank=True,
        help_text=_("The kind of data the rule is mainly about."),
    )
    period_years = models.PositiveSmallIntegerField(
        _("years"), default=0, help_text=_("Length of the period: years …")
    )
    period_months = models.PositiveSmallIntegerField(
        _("months"), default=0, help_text=_("… plus months …")
    )
    period_days = models.PositiveSmallIntegerField(
        _("days"), default=0, help_text=_("… plus days. All zero: erased when the event happens.")
    )
    loss_year_period_years = models.PositiveSmallIntegerField(
        _("years for loss years"),
        null=True,
        blank=True,
        help_text=_(
            "Fiscal-year rules only: the period in years for records of a fiscal year with a "
            "loss carried forward (Corporation Tax Act: 10). The loss years are the setting "
            "RIGHTS_LOSS_FISCAL_YEARS."
        ),
    )
    trigger = models.CharField(
        _("starts from"),
        max_length=20,
        choices=RetentionTrigger.choices,
        help_text=_("The event from which the period is counted."),
    )
    trigger_offset_months = models.PositiveSmallIntegerField(
        _("months after the event"),
        default=0,
        help_text=_(
            "The period starts this many months after the event, e.g. 2 months after the "
            "fiscal year's end (the filing deadline of the tax return)."
        ),
    )
    obligation = models.BooleanField(
        _("legal obligation to keep"),
        default=False,
        help_text=_(
            "A law requires keeping the data for the period: a deletion request erases it "
            "only when the period ends, and the customer is told so."
        ),
    )
    erase_when_expired = models.BooleanField(
        _("erase when the period ends"),
        default=True,
        help_text=_("The nightly retention sweep erases the data once the period has passed."),
    )
    statute = models.CharField(
        _("statute"),
        max_length=200,
        blank=True,
        help_text=_(
            "The law and article, in Japanese, e.g. 法人税法施行規則第59条; empty for a "
            "company policy."
        ),
    )
    statute_en = models.CharField(
        _("statute in English"),
        max_length=200,
        blank=True,
        help_text=_("e.g. Corporation Tax Act Enforcement Regulations art. 59."),
    )
    legal_basis = models.TextField(
        _("legal basis"),
        blank=True,
        help_text=_("Why the data is kept this long, in Japanese, as told to customers."),
    )
    legal_basis_en = models.TextField(
        _("legal basis in English"), blank=True, help_text=_("The same in English.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, help_text=_("Last change."))

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code}: {self.display_name}"

    @property
    def display_name(self) -> str:
        return localized(self, "name")

    @property
    def display_statute(self) -> str:
        return localized(self, "statute")

    @property
    def display_legal_basis(self) -> str:
        return localized(self, "legal_basis")


class LegalHoldQuerySet(models.QuerySet):
    def active(self, on=None):
        """Holds in force on ``on`` (today by default): started, not ended, not released."""
        on = on or timezone.localdate()
        return self.filter(starts_on__lte=on, released_at__isnull=True).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=on)
        )


class LegalHold(models.Model):
    """A hold placed by staff: data that must not be erased, whatever else says so.

    Litigation, an authority's order or an investigation. It covers one
    customer, or every customer of a service (or one customer's data of one
    service); all their data, some categories, or named records. It lasts
    until its end date, or, without one, until released with a reason.
    Holds derived from retention rules are computed, not stored here.
    """

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="legal_holds",
        verbose_name=_("data subject"),
        help_text=_("The customer whose data is held; empty: every customer of the service."),
    )
    service = models.ForeignKey(
        "portal.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="legal_holds",
        verbose_name=_("service"),
        help_text=_("Only data of this service; empty: the customer's data of every service."),
    )
    categories = models.JSONField(
        _("data categories"),
        default=list,
        blank=True,
        help_text=_("Codes of the categories held; empty means all."),
    )
    records = models.JSONField(
        _("specific records"),
        default=list,
        blank=True,
        help_text=_(
            'Only these records, as "source:id" (e.g. "portal.invoice:42"); empty means every '
            "record in the categories above."
        ),
    )
    reason = models.TextField(
        _("reason"),
        max_length=4000,
        help_text=_("Why the data must be kept, e.g. the case or the order."),
    )
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=300,
        help_text=_("The law, order or claim that requires keeping it, e.g. GDPR art. 17(3)(e)."),
    )
    starts_on = models.DateField(
        _("starts on"), default=timezone.localdate, help_text=_("First day of the hold.")
    )
    ends_on = models.DateField(
        _("ends on"),
        null=True,
        blank=True,
        help_text=_("Last day of the hold; empty while it has no end (e.g. pending litigation)."),
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("placed by"),
        help_text=_("The member of staff who placed it."),
    )
    placed_at = models.DateTimeField(
        _("placed at"), default=timezone.now, help_text=_("When it was placed.")
    )
    released_at = models.DateTimeField(
        _("released at"), null=True, blank=True, help_text=_("When it was released; empty if not.")
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("released by"),
        help_text=_("The member of staff who released it."),
    )
    release_reason = models.TextField(
        _("why released"),
        blank=True,
        max_length=4000,
        help_text=_("Required to release, e.g. the judgment became final."),
    )

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subject__isnull=False) | models.Q(service__isnull=False),
                name="rights_hold_has_scope",
                violation_error_message=_("A hold is for a customer, a service, or both."),
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="rights_hold_dates_in_order",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
            models.CheckConstraint(
                condition=models.Q(released_at__isnull=True) | ~models.Q(release_reason=""),
                name="rights_hold_release_has_reason",
                violation_error_message=_("Releasing a hold needs a reason."),
            ),
        ]
        indexes = [models.Index(fields=["subject", "released_at"], name="rights_hold_subject")]

    def __str__(self):
        return f"H-{self.pk:05d}" if self.pk else "H-new"


class DeferredErasure(models.Model):
    """One step of a deletion: what to erase from one source, and from which day.

    A deletion request is planned as steps: what is free is due at once
    (reason "request"), data under a hold is due on ``not_before`` (the day
    after the hold ends) or, for an open-ended staff hold, once the hold is
    released. The deletion runs the steps due now; the beat job runs the
    others on their day. Every run checks every hold again before erasing, so
    a hold placed later still wins, and a step interrupted half-way is simply
    run again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DONE = "done", _("Erased")
        CANCELLED = "cancelled", _("Cancelled")

    class Reason(models.TextChoices):
        REQUEST = "request", _("Erased with the request")
        RETENTION = "retention", _("Kept under a retention rule")
        HOLD = "hold", _("Kept under a legal hold")
        NOTICE = "notice", _("Address kept until the final notice is sent")

    request = models.ForeignKey(
        "rights.RightsRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deferred_erasures",
        verbose_name=_("request"),
        help_text=_("The deletion request that asked for it."),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("data subject"),
        help_text=_("The customer whose data it is."),
    )
    source = models.CharField(
        _("source"), max_length=100, help_text=_("The personal-data source, e.g. portal.invoice.")
    )
    category = models.CharField(
        _("data category"),
        max_length=20,
        choices=Category.choices,
        help_text=_("The category to erase from the source."),
    )
    record_ids = models.JSONField(
        _("records"),
        default=list,
        blank=True,
        help_text=_("Ids of the records to erase; empty: every record up to the highest id."),
    )
    max_pk = models.BigIntegerField(
        _("highest id"),
        null=True,
        blank=True,
        help_text=_("Records created after the request are not part of it."),
    )
    services = models.JSONField(
        _("services"),
        default=list,
        blank=True,
        help_text=_("Codes of the services the request named; empty means all."),
    )
    reason = models.CharField(
        _("why deferred"),
        max_length=12,
        choices=Reason.choices,
        default=Reason.RETENTION,
        help_text=_("What keeps the records for now."),
    )
    rule = models.ForeignKey(
        RetentionRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deferred_erasures",
        verbose_name=_("retention rule"),
        help_text=_("The rule that keeps the records, if any."),
    )
    legal_hold = models.ForeignKey(
        LegalHold,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deferred_erasures",
        verbose_name=_("legal hold"),
        help_text=_("The staff hold that keeps the records, if any."),
    )
    not_before = models.DateField(
        _("erase on"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_(
            "The first day the records may be erased: the day after the hold ends. Empty "
            "while a hold without an end keeps them."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=Status.choices,
        default=Status.PENDING,
        help_text=_("Waiting, erased, or cancelled."),
    )
    erased = models.PositiveIntegerField(
        _("records erased"), default=0, help_text=_("How many records were erased when it ran.")
    )
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, help_text=_("When it was scheduled.")
    )
    done_at = models.DateTimeField(
        _("done at"), null=True, blank=True, help_text=_("When it was carried out.")
    )

    class Meta:
        verbose_name = _("deferred erasure")
        verbose_name_plural = _("deferred erasures")
        ordering = ["not_before", "id"]
        indexes = [
            # The beat job: waiting erasures by day.
            models.Index(fields=["status", "not_before"], name="rights_deferred_due"),
        ]

    def __str__(self):
        return f"D-{self.pk:05d} {self.source}/{self.category}" if self.pk else "D-new"


def heartbeat_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=settings.RIGHTS_RETENTION_HEARTBEAT_TIMEOUT)


class RetentionRunQuerySet(models.QuerySet):
    def interrupted(self, now=None):
        """Runs still marked running whose heartbeat is older than the timeout."""
        cutoff = (now or timezone.now()) - heartbeat_timeout()
        return self.filter(status=RetentionRun.Status.RUNNING).filter(
            models.Q(heartbeat_at__lt=cutoff)
            | models.Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        )


class RetentionRun(models.Model):
    """One run of a retention job: when, what it erased per rule, what went wrong.

    A running run writes ``heartbeat_at`` as it goes; without a heartbeat for
    ``RIGHTS_RETENTION_HEARTBEAT_TIMEOUT`` seconds it was interrupted (its
    worker died), and the next run of the job resumes it from ``cursor``.
    """

    class Job(models.TextChoices):
        DEFERRED = "deferred", _("Deferred erasures")
        SWEEP = "sweep", _("Retention sweep")
        PURGE = "purge", _("Purge of files and records")
        REAPPLY = "reapply", _("Erasures applied again after a restore")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    job = models.CharField(
        _("job"), max_length=12, choices=Job.choices, help_text=_("Which job ran.")
    )
    dry_run = models.BooleanField(
        _("dry run"), default=False, help_text=_("Counted what would be erased; changed nothing.")
    )
    trigger = models.CharField(
        _("started by"),
        max_length=20,
        default="beat",
        help_text=_("beat, command or admin."),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=Status.choices,
        default=Status.RUNNING,
        help_text=_("A run that stays running after a crash is finished by the next one."),
    )
    started_at = models.DateTimeField(
        _("started at"), default=timezone.now, help_text=_("When it started.")
    )
    finished_at = models.DateTimeField(
        _("finished at"), null=True, blank=True, help_text=_("When it ended.")
    )
    counts = models.JSONField(
        _("counts"),
        default=dict,
        blank=True,
        help_text=_("Records erased (or that would be) per rule code and source."),
    )
    errors = models.JSONField(
        _("errors"), default=list, blank=True, help_text=_("What failed, without personal data.")
    )
    heartbeat_at = models.DateTimeField(
        _("last heartbeat"),
        null=True,
        blank=True,
        help_text=_("When the running job last showed it was alive (after each batch)."),
    )
    cursor = models.JSONField(
        _("progress"),
        default=dict,
        blank=True,
        help_text=_("Where the run has got to, so that an interrupted run resumes there."),
    )
    resumed = models.PositiveIntegerField(
        _("times resumed"),
        default=0,
        help_text=_("How many times a later run took over this one after an interruption."),
    )

    objects = RetentionRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.get_job_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return sum(n for per_source in self.counts.values() for n in per_source.values())

    def is_interrupted(self, now=None) -> bool:
        """Marked running, but without a heartbeat for longer than the timeout."""
        if self.status != self.Status.RUNNING:
            return False
        beat = self.heartbeat_at or self.started_at
        return beat < (now or timezone.now()) - heartbeat_timeout()

    def get_state_display(self) -> str:
        """The status as staff see it: "interrupted" for a run that stopped beating."""
        if self.is_interrupted():
            return str(_("Interrupted"))
        return self.get_status_display()


class ErasureLedgerEntry(models.Model):
    """What was erased, never the values: kept to erase again after a restore.

    A database restore from a backup taken before an erasure brings the
    erased data back; ``manage.py reapply_erasures`` erases it again from
    these entries. Entries are also written to the ledger file
    (``RIGHTS_ERASURE_LEDGER_FILE``), before their transaction commits, which
    lives outside the database so it survives the restore of the database
    itself (see :mod:`rights.retention.erasure`).

    An entry is either about one subject (a deletion, a deferred erasure):
    the listed records, or every record of the source up to ``max_pk``; or a
    batch of the retention sweep: the records from ``first_pk`` to
    ``max_pk`` that were past their rule's period on ``as_of``; or the closure
    of the subject's account (reason "closure", source the login account).
    """

    class Reason(models.TextChoices):
        DELETION = "deletion", _("Deletion request")
        DEFERRED = "deferred", _("Deferred erasure")
        SWEEP = "sweep", _("Retention period ended")
        PURGE = "purge", _("Purge")
        CLOSURE = "closure", _("Account closure")

    uid = models.UUIDField(
        _("id"), default=uuid.uuid4, unique=True, help_text=_("Stable id, also in the file.")
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        # A restored database may lack the row for a while; the entry must stay.
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("data subject"),
        help_text=_("The customer; empty for a sweep batch over many customers."),
    )
    source = models.CharField(
        _("source"), max_length=100, help_text=_("The personal-data source, e.g. portal.invoice.")
    )
    category = models.CharField(
        _("data category"),
        max_length=20,
        choices=Category.choices,
        help_text=_("The category erased."),
    )
    reason = models.CharField(
        _("reason"), max_length=12, choices=Reason.choices, help_text=_("Why it was erased.")
    )
    rule = models.CharField(
        _("retention rule"), max_length=40, blank=True, help_text=_("Sweep: the rule's code.")
    )
    as_of = models.DateField(
        _("as of"),
        null=True,
        blank=True,
        help_text=_("Sweep: the day the rule's period was evaluated."),
    )
    record_ids = models.JSONField(
        _("records"),
        default=list,
        blank=True,
        help_text=_("Ids of the records erased; empty: every record up to the highest id."),
    )
    services = models.JSONField(
        _("services"),
        default=list,
        blank=True,
        help_text=_("Codes of the services the erasure was limited to; empty means all."),
    )
    first_pk = models.BigIntegerField(
        _("first id"), null=True, blank=True, help_text=_("Sweep: lowest id of the batch.")
    )
    max_pk = models.BigIntegerField(
        _("highest id"),
        null=True,
        blank=True,
        help_text=_("The highest id erased; later records are not the erasure's."),
    )
    count = models.PositiveIntegerField(_("records"), help_text=_("How many records were erased."))
    request = models.ForeignKey(
        "rights.RightsRequest",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("request"),
        help_text=_("The deletion request, if any."),
    )
    run = models.ForeignKey(
        RetentionRun,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("run"),
        help_text=_("The retention run, if any."),
    )
    erased_at = models.DateTimeField(_("erased at"), default=timezone.now, help_text=_("When."))

    class Meta:
        verbose_name = _("erasure ledger entry")
        verbose_name_plural = _("erasure ledger")
        ordering = ["erased_at", "id"]
        indexes = [models.Index(fields=["subject", "source"], name="rights_ledger_subject")]
        # Entries are only ever added (the file is filled from them, a closure is
        # an entry of its own): PostgreSQL refuses to change, delete or truncate them.
        triggers = append_only_triggers("ledger")

    def __str__(self):
        return f"{self.source}/{self.category} ×{self.count}"


class AccountClosure(models.Model):
    """A customer's account was closed: logins refused, sessions ended, codes removed.

    Its date starts the periods of rules counted from account closure.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="account_closure",
        verbose_name=_("customer"),
        help_text=_("The closed account."),
    )
    closed_at = models.DateTimeField(
        _("closed at"), default=timezone.now, help_text=_("When it was closed.")
    )
    request = models.ForeignKey(
        "rights.RightsRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("request"),
        help_text=_("The deletion request that closed it, if any."),
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
        help_text=_("The member of staff; empty when the system closed it for a request."),
    )

    class Meta:
        verbose_name = _("account closure")
        verbose_name_plural = _("account closures")

    def __str__(self):
        return f"{self.user_id} {self.closed_at:%Y-%m-%d}"
