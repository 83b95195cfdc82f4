"""Requests filed by the company's other systems through the API (docs/api.md)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .requests import RightsRequest


class ApiFiling(models.Model):
    """Which API client filed a request, under which idempotency key, vouching for what.

    The same key from the same client names the same request: a retried call
    files nothing twice.
    """

    class Verification(models.TextChoices):
        VERIFIED = "verified", _("Verified by the client")
        UNVERIFIED = "unverified", _("Not verified: the portal verifies")

    request = models.OneToOneField(
        RightsRequest,
        on_delete=models.CASCADE,
        related_name="api_filing",
        verbose_name=_("request"),
    )
    client = models.ForeignKey(
        "portal.ApiClient",
        on_delete=models.PROTECT,
        related_name="filings",
        verbose_name=_("API client"),
    )
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=100, help_text=_("Chosen by the client, per request.")
    )
    verification = models.CharField(
        _("identity verification"),
        max_length=12,
        choices=Verification.choices,
        help_text=_("What the client vouched for when filing."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("API filing")
        verbose_name_plural = _("API filings")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "idempotency_key"], name="rights_api_filing_once_per_key"
            )
        ]

    def __str__(self):
        return f"{self.request.reference} ← {self.client}"
