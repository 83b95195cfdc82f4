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

from .choices import (
    Channel,
    DeliveryMethod,
    EventKind,
    Kind,
    PauseReason,
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
    scope = models.JSONField(
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
    details = models.JSONField(
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
    body = models.TextField(_("message"), max_length=4000, help_text=_("The text."))
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
    context = models.JSONField(
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
