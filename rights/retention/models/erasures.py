"""The steps of a deletion (deferred erasures) and account closures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.kernel.db import staff_field
from portal.kernel.registry import Category

from .holds import LegalHold
from .rules import RetentionRule


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
    closed_by = staff_field(
        _("closed by"),
        help_text=_("The member of staff; empty when the system closed it for a request."),
    )

    class Meta:
        verbose_name = _("account closure")
        verbose_name_plural = _("account closures")

    def __str__(self):
        return f"{self.user_id} {self.closed_at:%Y-%m-%d}"
