"""The marketing mail runs and their deliveries, one per customer and run."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.kernel.db import customer_field


class MarketingCampaign(models.Model):
    """One run of the marketing mail, identified by a key such as "weekly-2026-W47"."""

    key = models.CharField(
        _("key"),
        max_length=64,
        unique=True,
        help_text=_("Identifies the run; running the same key again sends nothing twice."),
    )
    started_at = models.DateTimeField(
        _("started at"), default=timezone.now, help_text=_("When the run began.")
    )

    class Meta:
        verbose_name = _("marketing campaign")
        verbose_name_plural = _("marketing campaigns")
        ordering = ["-started_at"]

    def __str__(self):
        return self.key


class MarketingDelivery(models.Model):
    """One customer's place in a campaign: at most one per customer and campaign."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped: no longer allowed")
        FAILED = "failed", _("Failed: the mail server refused it")

    campaign = models.ForeignKey(
        MarketingCampaign,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("campaign"),
        help_text=_("The run this delivery belongs to."),
    )
    subject = customer_field(
        related_name="marketing_deliveries",
        help_text=_("Who the mail is for."),
        on_delete=models.CASCADE,
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.PENDING,
        help_text=_("Sent and failed are final: a mail is never sent twice."),
    )
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, help_text=_("When the customer was selected.")
    )
    sent_at = models.DateTimeField(
        _("sent at"), null=True, blank=True, help_text=_("When the mail was handed over.")
    )

    class Meta:
        verbose_name = _("marketing delivery")
        verbose_name_plural = _("marketing deliveries")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "subject"], name="consent_delivery_once_per_campaign"
            ),
        ]

    def __str__(self):
        return f"{self.campaign} · {self.subject}"
