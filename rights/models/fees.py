"""Published fees, the payments asked of customers and the payment providers' events.

Writes go through :mod:`rights.fees` and :mod:`rights.payment_transitions`.
"""

from __future__ import annotations

import datetime as dt

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..choices import (
    CHARGEABLE_KINDS,
    DeliveryMethod,
    FeeBasis,
    Kind,
    PaymentMethod,
    PaymentStatus,
    Regime,
)
from ..fee_law import check_fee_allowed
from .requests import RightsRequest


class FeeScheduleQuerySet(models.QuerySet):
    def effective(self, on: dt.date | None = None):
        """Rows in force on ``on`` (today in the portal's time zone by default)."""
        on = on or timezone.localdate()
        return self.filter(effective_from__lte=on).filter(
            models.Q(effective_until__isnull=True) | models.Q(effective_until__gte=on)
        )

    def applicable(
        self, *, kind: str, regime: str, basis: str, delivery_method: str = "", on=None
    ) -> FeeSchedule | None:
        """The published fee in force on ``on``; a row for the delivery method beats a
        general one."""
        rows = self.effective(on).filter(kind=kind, regime=regime, basis=basis)
        rows = rows.filter(delivery_method__in={delivery_method, ""})
        # "" sorts first; the specific delivery method is preferred, then the newest row.
        return rows.order_by("-delivery_method", "-effective_from").first()

    def for_request(self, request, basis: str) -> FeeSchedule | None:
        """The fee published for ``request`` on the day it was received: the one
        that applies to it, whatever was published since (APPI art. 38)."""
        return self.applicable(
            kind=request.kind,
            regime=request.regime,
            basis=basis,
            delivery_method=request.delivery_method,
            on=request.received_on,
        )


class FeeSchedule(models.Model):
    """A published fee: the amount for one kind of request, regime and delivery method.

    Only the kinds the law lets a company charge for may have a fee (APPI art.
    38: disclosure and notice of purposes); the model, its check constraint
    and :mod:`rights.fees` all refuse the others. Rows are not edited once
    published: a new amount is a new row with a later ``effective_from``.
    """

    kind = models.CharField(
        _("kind of request"),
        max_length=20,
        choices=[(k.value, k.label) for k in Kind if k in CHARGEABLE_KINDS],
        help_text=_("Only disclosure and notice of purposes may carry a fee (APPI art. 38)."),
    )
    regime = models.CharField(
        _("legal regime"),
        max_length=8,
        choices=Regime.choices,
        default=Regime.APPI,
        help_text=_("The law the fee is charged under."),
    )
    basis = models.CharField(
        _("basis"),
        max_length=16,
        choices=FeeBasis.choices,
        default=FeeBasis.PUBLISHED,
        help_text=_(
            "Why a fee may be asked: the published APPI fee, a manifestly unfounded or "
            "excessive GDPR/CCPA request, or a further copy under GDPR."
        ),
    )
    delivery_method = models.CharField(
        _("delivery method"),
        max_length=12,
        choices=DeliveryMethod.choices,
        blank=True,
        help_text=_("Empty: the fee applies whatever the delivery method."),
    )
    amount = models.PositiveIntegerField(
        _("amount (JPY)"),
        validators=[MinValueValidator(1, _("A fee is at least ¥1; a free request has no fee."))],
        help_text=_("In yen, tax included; reasonable in light of the actual cost (APPI art. 38)."),
    )
    effective_from = models.DateField(
        _("effective from"), help_text=_("First day the fee applies.")
    )
    effective_until = models.DateField(
        _("effective until"),
        null=True,
        blank=True,
        help_text=_("Last day the fee applies; empty while it stays in force."),
    )
    note = models.CharField(
        _("note"),
        max_length=300,
        blank=True,
        help_text=_(
            "Shown with the fee on the public fee page, in Japanese, e.g. what the amount covers."
        ),
    )
    note_en = models.CharField(
        _("note in English"),
        max_length=300,
        blank=True,
        help_text=_("The note on the English fee page; the Japanese note is used when empty."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, help_text=_("When."))

    objects = FeeScheduleQuerySet.as_manager()

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fee schedule")
        ordering = ["regime", "kind", "delivery_method", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=sorted(CHARGEABLE_KINDS)),
                name="rights_fee_chargeable_kind",
                violation_error_message=_(
                    "Only a notice of purposes or a disclosure may be charged (APPI art. 38)."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="rights_fee_positive",
                violation_error_message=_("A fee is at least ¥1; a free request has no fee."),
            ),
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gte=models.F("effective_from")),
                name="rights_fee_dates_in_order",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_regime_display()}) ¥{self.amount:,}"

    @property
    def display_note(self) -> str:
        """The note in the active language."""
        if self.note_en and (get_language() or "").startswith("en"):
            return self.note_en
        return self.note

    def clean(self):
        errors = {}
        try:
            check_fee_allowed(kind=self.kind, regime=self.regime, basis=self.basis)
        except ValidationError as error:
            errors["kind"] = error.messages
        if (
            self.effective_until
            and self.effective_from
            and self.effective_until < self.effective_from
        ):
            errors["effective_until"] = [_("The last day cannot be before the first day.")]
        if not errors and self.effective_from:
            overlapping = FeeSchedule.objects.filter(
                kind=self.kind,
                regime=self.regime,
                basis=self.basis,
                delivery_method=self.delivery_method,
            ).exclude(pk=self.pk)
            if self.effective_until:
                overlapping = overlapping.filter(effective_from__lte=self.effective_until)
            overlapping = overlapping.filter(
                models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gte=self.effective_from)
            )
            if overlapping.exists():
                errors["effective_from"] = [
                    _(
                        "Another fee for the same request, regime and delivery method is in "
                        "force in this period; end it first."
                    )
                ]
        if errors:
            raise ValidationError(errors)


class Payment(models.Model):
    """A fee asked for one request, and what became of it.

    Written only by :mod:`rights.fees`; each change is audited and the
    request moves on through :func:`rights.workflow.transition`.
    """

    request = models.ForeignKey(
        RightsRequest,
        on_delete=models.PROTECT,
        related_name="payments",
        help_text=_("The request the fee is for."),
    )
    reference = models.CharField(
        _("payment reference"),
        max_length=20,
        unique=True,
        help_text=_(
            "Given to the person to quote with the payment (e.g. as the transfer name), "
            "so the payment can be matched."
        ),
    )
    amount = models.PositiveIntegerField(_("amount (JPY)"), help_text=_("In yen."))
    basis = models.CharField(
        _("basis"),
        max_length=16,
        choices=FeeBasis.choices,
        help_text=_("The legal basis for asking the fee."),
    )
    schedule = models.ForeignKey(
        FeeSchedule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("fee schedule"),
        help_text=_("The published fee the amount came from, if any."),
    )
    further_copy_of = models.ForeignKey(
        RightsRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("further copy of"),
        help_text=_(
            "GDPR art. 15(3): the earlier request whose copy of the same data was delivered; "
            "only a copy after it may be charged."
        ),
    )
    further_copy_delivered_on = models.DateField(
        _("earlier copy delivered on"),
        null=True,
        blank=True,
        help_text=_("When the earlier copy reached the person (posted or downloaded)."),
    )
    deviation_reason = models.TextField(
        _("why the amount differs"),
        blank=True,
        max_length=2000,
        help_text=_("Required when staff ask an amount other than the published fee."),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PaymentStatus.choices,
        default=PaymentStatus.PENDING,
        db_index=True,
        help_text=_("Changed only by the fee services, which audit every change."),
    )
    due_at = models.DateTimeField(
        _("pay by"),
        help_text=_("Unpaid after this, the request expires (the published period)."),
    )
    method = models.CharField(
        _("payment method"),
        max_length=16,
        choices=PaymentMethod.choices,
        blank=True,
        help_text=_("How it was paid; empty until paid."),
    )
    paid_at = models.DateTimeField(
        _("paid at"), null=True, blank=True, help_text=_("When the money was received.")
    )
    provider = models.CharField(
        _("payment provider"),
        max_length=30,
        blank=True,
        help_text=_("The online provider that reported the payment, if any."),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
        help_text=_(
            "The member of staff who recorded the payment or waiver; empty for a provider."
        ),
    )
    confirmed_at = models.DateTimeField(
        _("confirmed at"),
        null=True,
        blank=True,
        help_text=_("When the payment or waiver was recorded."),
    )
    waiver_reason = models.TextField(
        _("why waived"), blank=True, max_length=2000, help_text=_("Required to waive the fee.")
    )
    refunded_at = models.DateTimeField(
        _("refunded at"), null=True, blank=True, help_text=_("When the fee was refunded.")
    )
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refunded by"),
        help_text=_("The member of staff who recorded the refund."),
    )
    refund_reason = models.TextField(
        _("why refunded"), blank=True, max_length=2000, help_text=_("Required to refund.")
    )
    closed_at = models.DateTimeField(
        _("closed at"),
        null=True,
        blank=True,
        help_text=_(
            "When an unpaid fee expired or was cancelled (request withdrawn or reviewed again)."
        ),
    )
    created_at = models.DateTimeField(
        _("asked at"), default=timezone.now, help_text=_("When the fee was asked.")
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(status="pending"),
                name="rights_one_pending_payment",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="rights_payment_positive"
            ),
            # APPI art. 38: a published fee comes from the schedule, with no deviation.
            models.CheckConstraint(
                condition=~models.Q(basis=FeeBasis.PUBLISHED)
                | models.Q(schedule__isnull=False, deviation_reason=""),
                name="rights_payment_published_from_schedule",
            ),
            # GDPR art. 15(3): a further copy names the earlier delivered copy.
            models.CheckConstraint(
                condition=~models.Q(basis=FeeBasis.FURTHER_COPY)
                | models.Q(further_copy_of__isnull=False, further_copy_delivered_on__isnull=False),
                name="rights_payment_further_copy_names_earlier",
            ),
        ]
        triggers = [
            # ... and at the schedule's amount (a check constraint sees one row only).
            pgtrigger.Trigger(
                name="payment_published_amount",
                operation=pgtrigger.Insert | pgtrigger.Update,
                when=pgtrigger.Before,
                condition=pgtrigger.Q(new__basis=FeeBasis.PUBLISHED),
                func=(
                    "IF NEW.amount IS DISTINCT FROM (SELECT amount FROM rights_feeschedule "
                    "WHERE id = NEW.schedule_id) THEN RAISE EXCEPTION "
                    "'rights: a published fee is charged at its published amount (APPI art. 38)' "
                    "USING ERRCODE = 'check_violation'; END IF; RETURN NEW;"
                ),
            )
        ]
        indexes = [
            # The expiry job: pending payments by deadline.
            models.Index(fields=["status", "due_at"], name="rights_payment_status_due"),
        ]

    def __str__(self):
        return f"{self.reference} ¥{self.amount:,} {self.get_status_display()}"


class PaymentEvent(models.Model):
    """A notification from an online payment provider, stored once per event id.

    The unique (provider, event id) pair makes the webhook idempotent: the
    same event delivered twice finds its row and changes nothing.
    """

    class Outcome(models.TextChoices):
        RECORDED = "recorded", _("Payment recorded")
        UNKNOWN_REFERENCE = "unknown_reference", _("No fee with this reference")
        WRONG_AMOUNT = "wrong_amount", _("Amount differs from the fee")
        NOT_PENDING = "not_pending", _("The fee was no longer awaiting payment")

    provider = models.CharField(
        _("provider"), max_length=30, help_text=_("Which provider sent it.")
    )
    event_id = models.CharField(
        _("event id"), max_length=100, help_text=_("The provider's id of the event.")
    )
    reference = models.CharField(
        _("payment reference"), max_length=40, blank=True, help_text=_("The reference it named.")
    )
    amount = models.PositiveIntegerField(
        _("amount (JPY)"), null=True, blank=True, help_text=_("The amount it reported.")
    )
    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provider_events",
        help_text=_("The fee it was matched to, if any."),
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, help_text=_("What the portal did.")
    )
    received_at = models.DateTimeField(
        _("received at"), default=timezone.now, help_text=_("When it arrived.")
    )

    class Meta:
        verbose_name = _("provider event")
        verbose_name_plural = _("provider events")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="rights_payment_event_once"
            )
        ]

    def __str__(self):
        return f"{self.provider} {self.event_id}"
