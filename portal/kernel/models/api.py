"""The API's clients, their keys, and the status callbacks sent to them.

An :class:`ApiClient` is one of the company's systems (a service's backend,
the call centre, the marketing platform, a partner): what it may do (scopes)
and whose data it may see (its services). Its :class:`ApiKey` rows hold only
a hash of each key; the key itself is shown once, when it is made. A
:class:`CallbackDelivery` is one event for one client, with its
:class:`CallbackAttempt` history (see ``portal.kernel.api.callbacks``).
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..db import staff_field
from ..fields import EncryptedCharField

# The scopes a client may hold: what each endpoint asks for (docs/api.md).
SCOPES = {
    "requests:write": _("File requests"),
    "requests:read": _("Read requests and their status"),
    "consent:read": _("Ask whether data may be used or provided"),
    "fulfilment:write": _("Report the fulfilment of a request in its own system"),
}
#: The scope a client needs to report a system's part (``POST .../fulfilment``), and to
#: read the parts of the systems it is linked to.
FULFILMENT_SCOPE = "fulfilment:write"


def _no_scopes() -> list:
    return []


class ApiClient(models.Model):
    """An integrating system: what it may do, and the services whose customers it sees."""

    name = models.CharField(
        _("name"), max_length=100, unique=True, help_text=_("e.g. Call centre, Marketing platform.")
    )
    owner = models.CharField(
        _("owner"),
        max_length=200,
        help_text=_("The team or person answerable for this system's use of the API."),
    )
    scopes = models.JSONField(
        _("scopes"),
        default=_no_scopes,
        blank=True,
        help_text=_(
            "What it may do: requests:write, requests:read, consent:read, fulfilment:write."
        ),
    )
    services = models.ManyToManyField(
        "portal.Service",
        blank=True,
        related_name="api_clients",
        verbose_name=_("allowed services"),
        help_text=_(
            "It sees requests and customers of these services only, as a service handler does."
        ),
    )
    all_services = models.BooleanField(
        _("all services"),
        default=False,
        help_text=_("It sees every service's requests and customers, as the privacy officer."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("An inactive client's keys are all refused.")
    )
    rate_limit = models.PositiveIntegerField(
        _("calls per minute"),
        default=120,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Per key; a key over its limit is answered 429 until the minute ends. To turn "
            "a client off, untick “active”."
        ),
    )
    callback_url = models.URLField(
        _("callback URL"),
        blank=True,
        help_text=_("HTTPS address that receives status changes and new restrictions."),
    )
    callback_secret = EncryptedCharField(
        _("callback signing secret"),
        max_length=100,
        blank=True,
        help_text=_("Signs every callback (HMAC-SHA256); made when the URL is first set."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        unknown = sorted(set(self.scopes or []) - set(SCOPES))
        if unknown:
            raise ValidationError(
                {"scopes": _("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)}}
            )


class ApiKey(models.Model):
    """One key of a client; several at once let a client rotate without a gap."""

    client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="keys", verbose_name=_("client")
    )
    label = models.CharField(
        _("label"), max_length=100, blank=True, help_text=_("e.g. production 2026-12.")
    )
    prefix = models.CharField(
        _("prefix"),
        max_length=16,
        unique=True,
        help_text=_("The key's first characters, to recognise it; not secret."),
    )
    hashed_key = models.CharField(
        _("hash"), max_length=64, help_text=_("SHA-256 of the key; the key itself is not kept.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = staff_field(_("created by"), help_text=_("The member of staff who made it."))
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("Refused from then on.")
    )
    revoked_at = models.DateTimeField(
        _("revoked at"), null=True, blank=True, help_text=_("Refused from then on.")
    )
    last_used_at = models.DateTimeField(
        _("last used at"), null=True, blank=True, help_text=_("To the minute.")
    )

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.client} {self.prefix}…"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > now)
            and self.client.is_active
        )


class CallbackDelivery(models.Model):
    """One event for one client: sent until its endpoint answers 2xx, for a day at most."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("callback delivery", "Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed (gave up)")

    event_id = models.UUIDField(
        _("event id"), default=uuid.uuid4, unique=True, help_text=_("Sent; receivers dedupe on it.")
    )
    client = models.ForeignKey(
        ApiClient,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("client"),
    )
    event_type = models.CharField(_("event"), max_length=40)
    payload = models.JSONField(_("payload"), help_text=_("References and statuses only."))
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("callback delivery")
        verbose_name_plural = _("callback deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="api_delivery_due")]

    def __str__(self):
        return f"{self.event_type} → {self.client}"


class CallbackAttempt(models.Model):
    """One POST of a delivery: what the endpoint answered."""

    delivery = models.ForeignKey(
        CallbackDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField(_("attempted at"), default=timezone.now)
    status_code = models.PositiveIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    replayed_by = staff_field(
        _("replayed by"), help_text=_("Staff who replayed it; empty for the automatic attempts.")
    )

    class Meta:
        verbose_name = _("callback attempt")
        verbose_name_plural = _("callback attempts")
        ordering = ["attempted_at", "id"]

    def __str__(self):
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"
