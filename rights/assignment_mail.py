"""The e-mails that tell a member of staff someone else changed what they work on.

The assignee is told of the requests someone else assigned them; the previous
assignee is told of the requests someone else took from them (reassigned to a
colleague or left unassigned), so nobody keeps working on, or waiting for, a
request that is no longer theirs. Queued through the outbox in the
assignment's transaction (one message per recipient and assignment, however
many requests it changed); the task mails it in the recipient's language and
time zone. It names the requests by reference only, never the person a
request is about.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from portal.kernel import outbox
from portal.kernel.emails import send_templated_email

from .models import RightsRequest

ASSIGNMENT_MAIL_TASK = "rights.tasks.mail_assignment"
UNASSIGNMENT_MAIL_TASK = "rights.tasks.mail_unassignment"


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


def unassignment_mail_queue(*, previous: dict[int, list[int]], actor) -> None:
    """Queue one mail per previous assignee (``previous`` maps their id to the
    requests taken from them; call inside the assignment's transaction); nothing
    for staff who gave the requests up themselves."""
    for previous_id, request_ids in sorted(previous.items()):
        if actor is not None and actor.pk == previous_id:
            continue
        outbox.enqueue(
            UNASSIGNMENT_MAIL_TASK,
            previous_id=previous_id,
            actor_id=actor.pk if actor is not None else None,
            request_ids=sorted(request_ids),
        )


def _mail_staff(*, user_id: int, actor_id: int | None, template: str, requests) -> bool:
    """Mail active staff member ``user_id`` the requests ``requests(user)`` lists, in
    their language and zone; True if mailed."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True, is_staff=True).first()
    if user is None:
        return False
    listed = list(requests(user).order_by("due_at", "pk"))
    if not listed:
        return False
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    send_templated_email(
        to=user.email,
        template=template,
        context={"requests": listed, "count": len(listed), "by": actor.email if actor else ""},
        language=user.language,
        time_zone=user.time_zone,
    )
    return True


def assignment_mail_send(*, assignee_id: int, actor_id: int | None, request_ids: list[int]) -> bool:
    """Mail the assignee the requests still assigned to them; True if mailed."""
    return _mail_staff(
        user_id=assignee_id,
        actor_id=actor_id,
        template="rights_assigned",
        requests=lambda user: RightsRequest.objects.filter(pk__in=request_ids, assignee=user),
    )


def unassignment_mail_send(
    *, previous_id: int, actor_id: int | None, request_ids: list[int]
) -> bool:
    """Mail the previous assignee the requests that are still not theirs, each with
    whom it is assigned to now (or that it is unassigned); True if mailed."""
    return _mail_staff(
        user_id=previous_id,
        actor_id=actor_id,
        template="rights_unassigned",
        requests=lambda user: (
            RightsRequest.objects.filter(pk__in=request_ids)
            .exclude(assignee=user)
            .select_related("assignee")
        ),
    )
