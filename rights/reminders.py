"""The hourly due-soon reminders to the assignees of open requests (a beat job)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.kernel.emails import send_templated_email

from .models import RightsRequest

logger = logging.getLogger(__name__)

REMINDER_DAYS = 3


def requests_remind_due_soon(*, now: dt.datetime | None = None) -> int:
    """Mail each assignee whose open request falls due within three days, once per deadline.

    A request already reminded within the current window is skipped, so the job
    may run as often as wanted; an extension opens a new window.
    """
    now = now or timezone.now()
    window = dt.timedelta(days=REMINDER_DAYS)
    due = (
        RightsRequest.objects.due_within(REMINDER_DAYS, now)
        .filter(assignee__isnull=False, assignee__is_active=True)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=F("due_at") - window))
        .select_related("assignee")
        .order_by("pk")
    )
    sent = 0
    failed = None
    for request in due.iterator(chunk_size=200):
        try:
            with transaction.atomic():
                updated = RightsRequest.objects.filter(
                    pk=request.pk, reminded_at=request.reminded_at
                ).update(reminded_at=now)
                if not updated:
                    continue  # another run took it
                send_templated_email(
                    to=request.assignee.email,
                    template="rights_due_soon",
                    context={
                        "request": request,
                        "path": f"/admin/rights/rightsrequest/{request.pk}/change/",
                    },
                    language=request.assignee.language,
                    time_zone=request.assignee.time_zone,
                )
        except OSError as error:
            # Not marked reminded (rolled back): the next run tries it again. One
            # address the mail server refuses must not hold back the others.
            logger.warning(
                "due-soon reminder of request %s not sent: %s", request.pk, type(error).__name__
            )
            failed = failed or error
            continue
        sent += 1
    if failed is not None:
        raise failed  # the job shows as failed in the worker's log
    return sent
