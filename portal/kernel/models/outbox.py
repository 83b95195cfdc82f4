"""The transactional outbox's rows: tasks to queue, written with the change that asks."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A task to queue, written in the same transaction as the change that asks for it.

    Write only through :func:`portal.kernel.outbox.enqueue`. After the commit the row
    is published to the broker at once; when the broker is down it stays
    unpublished and the beat job ``portal.kernel.tasks.outbox_drain`` publishes it
    once the broker is back. A message is done when its task has finished
    (``done_at``), not when the broker took it: a published message still not
    done ``OUTBOX_REDELIVER_SECONDS`` later (lost with a crashed Redis, say) is
    published again with the same ``task_id``, the Celery task id, by which the
    task tells that the message was already carried out. Holds ids only, never
    personal data.
    """

    task_id = models.UUIDField(
        _("task id"),
        unique=True,
        default=uuid.uuid4,
        editable=False,
        help_text=_("The Celery task id the message is published with."),
    )
    task_name = models.CharField(
        _("task"),
        max_length=200,
        help_text=_("The Celery task, e.g. rights.tasks.send_request_notification."),
    )
    args = models.JSONField(
        _("arguments"), default=list, blank=True, help_text=_("Positional arguments (ids).")
    )
    kwargs = models.JSONField(
        _("keyword arguments"), default=dict, blank=True, help_text=_("Keyword arguments.")
    )
    created_at = models.DateTimeField(
        _("created at"),
        default=timezone.now,
        help_text=_("When the change that asked for the task was made."),
    )
    next_attempt_at = models.DateTimeField(
        _("next attempt"),
        default=timezone.now,
        help_text=_(
            "Until it is done, the drain publishes the message (again) from this time on: "
            "back-off after failures, the redelivery timeout after a publication."
        ),
    )
    attempts = models.PositiveIntegerField(
        _("attempts"), default=0, help_text=_("How often publishing was tried.")
    )
    deliveries = models.PositiveIntegerField(
        _("deliveries"),
        default=0,
        help_text=_("How often the broker took the message (more than once after a redelivery)."),
    )
    last_error = models.CharField(
        _("last error"), max_length=255, blank=True, help_text=_("Why the last attempt failed.")
    )
    published_at = models.DateTimeField(
        _("published at"),
        null=True,
        blank=True,
        help_text=_("When the broker last took the message."),
    )
    done_at = models.DateTimeField(
        _("done at"),
        null=True,
        blank=True,
        help_text=_("When its task finished; a redelivery then does nothing."),
    )

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The drain's query: messages not done whose next attempt is due,
            # oldest first. The partial index stays as small as the backlog.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(done_at__isnull=True),
                name="outbox_not_done",
            ),
            # The purge of done rows walks this one.
            models.Index(fields=["done_at"], name="outbox_done_at"),
        ]

    def __str__(self):
        return f"{self.task_name} {self.task_id}"
