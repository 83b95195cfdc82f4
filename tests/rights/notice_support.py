"""Notices a test's set-up queued but left unsent (their outbox messages never run)."""

from __future__ import annotations

from django.core import mail

from rights.models import RequestNotification
from rights.tasks import send_request_notification


def mail_waiting_notices() -> None:
    """Mail the notices the set-up left unsent, as the worker would have, then empty the
    outbox: a later notice mails first the earlier ones of its request not e-mailed
    yet, so without this the action a test looks at would not be the only one mailed."""
    waiting = RequestNotification.objects.filter(emailed_at__isnull=True).order_by("pk")
    for pk in waiting.values_list("pk", flat=True):
        send_request_notification(pk)
    mail.outbox.clear()
