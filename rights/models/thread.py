"""A request's timeline (events), its message thread and the notices sent about it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.kernel.fields import EncryptedCharField, EncryptedJSONField, EncryptedTextField

from ..choices import EventKind, Status
from ..uploads import stored_path
from .requests import RightsRequest, private_storage


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
    reason = EncryptedTextField(
        _("reason"), blank=True, max_length=4000, help_text=_("Why, as told to the requester.")
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
    # A random name with the extension of the type found in the bytes: the
    # sender's file name stays in ``attachment_name`` only.
    return stored_path(f"requests/{instance.request_id}/attachments", instance.attachment_type)


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
    body = EncryptedTextField(
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
    attachment_name = EncryptedCharField(
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
        STATUS_CHANGED = "status_changed", _("Status changed")
        MESSAGE = "message", _("Message from the privacy office")
        REGIME_CHANGED = "regime_changed", _("Legal regime changed")

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
        indexes = [
            # The admin's "Notices to customers", newest first: read from the index,
            # not sorted from the whole table (one row per notice ever sent).
            models.Index(fields=["-created_at", "-id"], name="rights_notice_created_id"),
            # Filtered on "not e-mailed" during an outage: the few waiting, from a
            # partial index as small as they are.
            models.Index(
                fields=["-created_at", "-id"],
                condition=models.Q(emailed_at__isnull=True),
                name="rights_notice_unsent_new",
            ),
        ]

    def __str__(self):
        return self.get_kind_display()
