"""The e-mail that tells a member of staff someone else assigned them requests.

Queued through the outbox in the assignment's transaction (one message per
assignment, however many requests it assigned); the task mails it in the
assignee's language and time zone. It names the requests by reference only,
never the person a request is about.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from portal.kernel import outbox
from portal.kernel.emails import send_templated_email

from .models import RightsRequest

ASSIGNMENT_MAIL_TASK = "rights.tasks.mail_assignment"


def assignment_mail_queue(*, assignee, actor, request_ids: list[int]) -> None:
    """Queue the mail for ``assignee`` (call inside the assignment's transaction);
    nothing for staff who assigned themselves."""
    if assignee is None or not request_ids:
        return
    if actor is not None and actor.pk == assignee.pk:
        return
    outbox.enqueue(
        ASSIGNMENT_MAIL_TASK,
        assignee_id=assignee.pk,
        actor_id=actor.pk if actor is not None else None,
        request_ids=sorted(request_ids),
    )


def assignment_mail_send(*, assignee_id: int, actor_id: int | None, request_ids: list[int]) -> bool:
    """Mail the assignee the requests still assigned to them; True if mailed."""
    users = get_user_model().objects
    assignee = users.filter(pk=assignee_id, is_active=True, is_staff=True).first()
    if assignee is None:
        return False
    requests = list(
        RightsRequest.objects.filter(pk__in=request_ids, assignee=assignee).order_by("due_at", "pk")
    )
    if not requests:
        return False
    actor = users.filter(pk=actor_id).first() if actor_id else None
    send_templated_email(
        to=assignee.email,
        template="rights_assigned",
        context={
            "requests": requests,
            "count": len(requests),
            "assigned_by": actor.email if actor else "",
        },
        language=assignee.language,
        time_zone=assignee.time_zone,
    )
    return True
