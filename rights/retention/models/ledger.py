"""The erasure ledger: every erasure and account closure, kept to replay after a restore."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.kernel.db import append_only_triggers
from portal.kernel.registry import Category

from .runs import RetentionRun


class ErasureLedgerEntry(models.Model):
    """What was erased, never the values: kept to erase again after a restore.

    A database restore from a backup taken before an erasure brings the
    erased data back; ``manage.py reapply_erasures`` erases it again from
    these entries. Entries are also written to the ledger file
    (``RIGHTS_ERASURE_LEDGER_FILE``), before their transaction commits, which
    lives outside the database so it survives the restore of the database
    itself (see :mod:`rights.retention.ledger`).

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
