"""Rights requests: the request, its pauses, its timeline and its message thread.

Status and deadlines change only through :mod:`rights.workflow`; these models
hold fields, constraints and help texts.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.kernel.fields import EncryptedJSONField

from .choices import (
    CHARGEABLE_KINDS,
    Channel,
    DeliveryMethod,
    EventKind,
    FeeBasis,
    Kind,
    PauseReason,
    PaymentMethod,
    PaymentStatus,
    Regime,
    RejectionGround,
    Status,
)

OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.AWAITING_VERIFICATION,
    Status.IN_REVIEW,
    Status.AWAITING_CUSTOMER,
    Status.AWAITING_PAYMENT,
    Status.IN_PROGRESS,
)
# While in these statuses the request waits for the person: the clock stands still.
PAUSED_STATUSES = {
    Status.AWAITING_VERIFICATION: PauseReason.VERIFICATION,
    Status.AWAITING_PAYMENT: PauseReason.PAYMENT,
    Status.AWAITING_CUSTOMER: PauseReason.CUSTOMER,
}


def _default_regime():
    return settings.RIGHTS_DEFAULT_REGIME


def private_storage():
    return storages["private"]


class RightsRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def for_customer(self, user):
        """Requests a customer may see: about them, or filed by them."""
        return self.filter(models.Q(subject=user) | models.Q(requester=user))

    def overdue(self, now: dt.datetime | None = None):
        paused = list(PAUSED_STATUSES)
        return self.open().exclude(status__in=paused).filter(due_at__lt=now or timezone.now())

    def due_within(self, days: int, now: dt.datetime | None = None):
        now = now or timezone.now()
        paused = list(PAUSED_STATUSES)
        return (
            self.open()
            .exclude(status__in=paused)
            .filter(due_at__gte=now, due_at__lt=now + dt.timedelta(days=days))
        )


class RightsRequest(models.Model):
    """A person's request to exercise a right over their personal data."""

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rights_requests",
        verbose_name=_("data subject"),
        help_text=_(
            "The customer the request is about; empty until matched for a non-account request."
        ),
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="filed_rights_requests",
        verbose_name=_("requester"),
        help_text=_("Who filed it: the customer, or an agent acting for them."),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, help_text=_("The right exercised.")
    )
    regime = models.CharField(
        _("legal regime"),
        max_length=8,
        choices=Regime.choices,
        default=_default_regime,
        help_text=_("The law whose rules and deadlines apply; staff may change it with a reason."),
    )
    channel = models.CharField(
        _("channel"),
        max_length=12,
        choices=Channel.choices,
        default=Channel.PORTAL,
        help_text=_("How the request reached the company."),
    )
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=Status.choices,
        default=Status.SUBMITTED,
        db_index=True,
        help_text=_("Changed only through the workflow, which records every change."),
    )
    services = models.ManyToManyField(
        "portal.Service",
        blank=True,
        related_name="rights_requests",
        verbose_name=_("services"),
        help_text=_("The services concerned; none means all of the customer's services."),
    )
    categories = models.JSONField(
        _("data categories"),
        default=list,
        blank=True,
        help_text=_("Codes of the data categories concerned; empty means all."),
    )
    scope = EncryptedJSONField(
        _("scope"),
        default=dict,
        blank=True,
        help_text=_(
            "Kind-specific choices: purposes (stop use), recipients (stop provision), "
            "the field and new value (correction)."
        ),
    )
    details = models.TextField(
        _("details"), blank=True, max_length=4000, help_text=_("The person's own words.")
    )
    delivery_method = models.CharField(
        _("delivery method"),
        max_length=12,
        choices=DeliveryMethod.choices,
        blank=True,
        help_text=_("For disclosure and notice of purposes: how the answer is delivered."),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_rights_requests",
        limit_choices_to={"is_staff": True},
        verbose_name=_("assignee"),
        help_text=_("The member of staff working on it."),
    )
    received_at = models.DateTimeField(
        _("received at"),
        default=timezone.now,
        help_text=_("When the company received it: the deadline counts from here."),
    )
    due_at = models.DateTimeField(
        _("due at"),
        help_text=_(
            "The answer deadline, kept up to date by the workflow from the regime, "
            "pauses and extension (stored so the queue can sort and filter on it)."
        ),
    )
    extended_to = models.DateTimeField(
        _("extended to"),
        null=True,
        blank=True,
        help_text=_("The extended deadline before pauses, when extended."),
    )
    acknowledgement_due_at = models.DateTimeField(
        _("acknowledgement due"),
        null=True,
        blank=True,
        help_text=_("CCPA: receipt must be confirmed by then (10 business days)."),
    )
    acknowledged_at = models.DateTimeField(
        _("acknowledged at"),
        null=True,
        blank=True,
        help_text=_("When receipt was confirmed to the person."),
    )
    rejection_ground = models.CharField(
        _("rejection ground"),
        max_length=16,
        choices=RejectionGround.choices,
        blank=True,
        help_text=_("The legal ground of a rejection."),
    )
    closed_at = models.DateTimeField(
        _("closed at"),
        null=True,
        blank=True,
        help_text=_("When it reached a final status."),
    )
    reminded_at = models.DateTimeField(
        _("reminded at"),
        null=True,
        blank=True,
        help_text=_("When the assignee was last reminded of the deadline."),
    )
    unfounded = models.BooleanField(
        _("manifestly unfounded or excessive"),
        default=False,
        help_text=_(
            "GDPR 12(5) / CCPA: staff found the request manifestly unfounded or excessive, "
            "so a reasonable fee may be asked or the request refused."
        ),
    )
    unfounded_reason = models.TextField(
        _("why unfounded or excessive"),
        blank=True,
        max_length=4000,
        help_text=_("The reason staff recorded when marking it; told to the person."),
    )
    erasure_planned_at = models.DateTimeField(
        _("erasure planned at"),
        null=True,
        blank=True,
        help_text=_(
            "Deletion requests: when the erasure was planned as steps. The request is "
            "completed only after that, by the erasure itself."
        ),
    )
    created_at = models.DateTimeField(
        _("created at"), auto_now_add=True, help_text=_("Row creation.")
    )

    objects = RightsRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("rights request")
        verbose_name_plural = _("rights requests")
        ordering = ["due_at"]
        indexes = [
            # The staff queue: open requests by deadline.
            models.Index(fields=["status", "due_at"], name="rights_status_due"),
            models.Index(fields=["subject", "status"], name="rights_subject_status"),
        ]

    def __str__(self):
        return f"{self.reference} {self.get_kind_display()}"

    @property
    def reference(self) -> str:
        return f"R-{self.pk:06d}" if self.pk else "R-new"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.status in PAUSED_STATUSES

    def days_left(self, now: dt.datetime | None = None) -> int | None:
        """Whole days to the deadline (negative when overdue); None when closed."""
        if not self.is_open:
            return None
        now = now or timezone.now()
        delta = timezone.localdate(self.due_at) - timezone.localdate(now)
        return delta.days


class RequestPause(models.Model):
    """A stretch of time in which the request waited for the person."""

    request = models.ForeignKey(
        RightsRequest, on_delete=models.CASCADE, related_name="pauses", help_text=_("The request.")
    )
    reason = models.CharField(
        _("reason"), max_length=16, choices=PauseReason.choices, help_text=_("What it waits for.")
    )
    started_at = models.DateTimeField(_("started at"), help_text=_("The clock stopped here."))
    ended_at = models.DateTimeField(
        _("ended at"),
        null=True,
        blank=True,
        help_text=_("The clock ran again; empty while waiting."),
    )

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(ended_at__isnull=True),
                name="rights_one_open_pause",
            )
        ]

    def __str__(self):
        return f"{self.get_reason_display()} {self.started_at:%Y-%m-%d}"


class RequestEvent(models.Model):
    """One entry of a request's timeline, written by the workflow in its transaction."""

    request = models.ForeignKey(
        RightsRequest, on_delete=models.CASCADE, related_name="events", help_text=_("The request.")
    )
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=EventKind.choices,
        default=EventKind.TRANSITION,
        help_text=_("What happened."),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        help_text=_("Who did it; empty for the system."),
    )
    from_status = models.CharField(
        _("from"), max_length=24, choices=Status.choices, blank=True, help_text=_("Status before.")
    )
    to_status = models.CharField(
        _("to"), max_length=24, choices=Status.choices, blank=True, help_text=_("Status after.")
    )
    reason = models.TextField(
        _("reason"), blank=True, max_length=4000, help_text=_("Why, as told to the person.")
    )
    details = EncryptedJSONField(
        _("details"), default=dict, blank=True, help_text=_("Ground, dates, before/after.")
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, help_text=_("When."))

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


def _attachment_path(instance, filename):
    return f"requests/{instance.request_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class RequestMessage(models.Model):
    """A message between the person and staff about one request."""

    request = models.ForeignKey(
        RightsRequest,
        on_delete=models.CASCADE,
        related_name="messages",
        help_text=_("The request."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
        help_text=_("Who wrote it."),
    )
    from_staff = models.BooleanField(
        _("from staff"), default=False, help_text=_("Written by staff rather than the person.")
    )
    body = models.TextField(
        pgettext_lazy("request thread", "message"),
        max_length=4000,
        help_text=_("The text."),
    )
    attachment = models.FileField(
        _("attachment"),
        storage=private_storage,
        upload_to=_attachment_path,
        blank=True,
        max_length=300,
        help_text=_("Stored privately; served only to the people on the request."),
    )
    attachment_name = models.CharField(
        _("attachment name"), max_length=200, blank=True, help_text=_("The file's original name.")
    )
    attachment_type = models.CharField(
        _("attachment type"),
        max_length=100,
        blank=True,
        help_text=_("MIME type found in the bytes."),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, help_text=_("When."))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.request.reference} {self.created_at:%Y-%m-%d %H:%M}"


class RequestNotification(models.Model):
    """A notice to the person about their request: shown on its page and e-mailed."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Request received")
        VERIFICATION_NEEDED = "verification_needed", _("Identity verification needed")
        INFORMATION_NEEDED = "information_needed", _("Information needed")
        FEE_DUE = "fee_due", _("Fee due")
        EXTENDED = "extended", _("Deadline extended")
        COMPLETED = "completed", _("Completed")
        PARTIALLY_COMPLETED = "partially_completed", _("Partially completed")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    request = models.ForeignKey(
        RightsRequest,
        on_delete=models.CASCADE,
        related_name="notifications",
        help_text=_("The request."),
    )
    kind = models.CharField(
        _("kind"), max_length=24, choices=Kind.choices, help_text=_("Which notice.")
    )
    context = EncryptedJSONField(
        _("context"), default=dict, blank=True, help_text=_("Dates and reasons the notice states.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, help_text=_("When."))
    emailed_at = models.DateTimeField(
        _("e-mailed at"), null=True, blank=True, help_text=_("When the e-mail went out.")
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.get_kind_display()


class FeeScheduleQuerySet(models.QuerySet):
    def effective(self, on: dt.date | None = None):
        """Rows in force on ``on`` (today in the portal's time zone by default)."""
        on = on or timezone.localdate()
        return self.filter(effective_from__lte=on).filter(
            models.Q(effective_until__isnull=True) | models.Q(effective_until__gte=on)
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
        help_text=_("Shown with the fee on the public fee page, e.g. what the amount covers."),
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
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="rights_fee_positive"),
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gte=models.F("effective_from")),
                name="rights_fee_dates_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_regime_display()}) ¥{self.amount:,}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from .fees import check_fee_allowed

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


# Disclosure packages and their delivery (rights.disclosure), requests without
# an account and by agents (rights.requesters), and retention rules, legal holds,
# deferred erasures, runs and the erasure ledger (rights.retention) live in their
# own modules; importing them here makes them rights models.
from .disclosure.models import DisclosureDelivery, DisclosurePackage  # noqa: E402, F401
from .requesters.models import (  # noqa: E402, F401
    EmailConfirmation,
    IdentityDocument,
    RequestIdentity,
)
from .retention.models import (  # noqa: E402, F401
    AccountClosure,
    DeferredErasure,
    ErasureLedgerEntry,
    LegalHold,
    RetentionRule,
    RetentionRun,
)
