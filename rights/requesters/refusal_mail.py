"""The e-mail that tells staff the person refused the agent who filed in their name.

The person answered "No" on the link asking whether they appointed the agent (CCPA
§7063, APPI art. 37): the request waits for staff to reject it, its clock paused, so
staff are told at once instead of when someone happens to open it. The request's
assignee is mailed; while nobody holds it, every privacy officer, or the privacy
office's address when there is none. Queued through the outbox in the answer's
transaction (a crash loses no alert; the link answers once, so it is queued once).
That message finds the readers and queues one message per reader in its own
transaction, like the overdue digest and the assignment mail: each is mailed once
(``OutboxTask``), so a send that fails half-way is retried for its reader alone, and
nobody already told is told again. Each mail is in its reader's language and time
zone and names the request by its reference only, never the person.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model

from portal.kernel import outbox
from portal.kernel.emails import send_templated_email

from ..models import RightsRequest
from ..services import privacy_officers

AGENT_REFUSED_TASK = "rights.tasks.mail_agent_refused"
AGENT_REFUSED_READER_TASK = "rights.tasks.mail_agent_refused_to"


def agent_refused_queue(request: RightsRequest) -> None:
    """Queue the alert for ``request`` (call inside the answer's transaction)."""
    outbox.enqueue(AGENT_REFUSED_TASK, request_id=request.pk)


def _refused(request_id: int) -> RightsRequest | None:
    """The request, if the person's refusal of its agent still stands."""
    return (
        RightsRequest.objects.select_related("identity")
        .filter(pk=request_id, identity__subject_denied_at__isnull=False)
        .first()
    )


def _staff():
    return get_user_model().objects.filter(is_active=True, is_staff=True)


def _readers(request: RightsRequest) -> list[int | None]:
    """Whom to tell, as user ids: the assignee, else the officers, else the privacy
    office (None)."""
    found = list(_staff().filter(pk=request.assignee_id)) if request.assignee_id else []
    found = found or list(privacy_officers().distinct().order_by("pk"))
    return [user.pk for user in found] or [None]


def agent_refused_queue_readers(*, request_id: int) -> int:
    """Queue one alert per reader for ``request_id``, if the refusal still stands; how
    many. Runs in the transaction of the message queued with the answer (``OutboxTask``),
    which is marked done with them: a retried run queues none again."""
    request = _refused(request_id)
    if request is None:
        return 0
    readers = _readers(request)
    for reader_id in readers:
        outbox.enqueue(AGENT_REFUSED_READER_TASK, request_id=request_id, reader_id=reader_id)
    return len(readers)


def agent_refused_send(*, request_id: int, reader_id: int | None) -> bool:
    """Mail one reader (a member of staff, or the privacy office for None) that the
    person refused the agent of ``request_id``, if the refusal still stands and the
    reader is still active staff; True if mailed."""
    request = _refused(request_id)
    if request is None:
        return False
    if reader_id is None:
        address, language, zone = settings.PRIVACY_OFFICE_EMAIL, settings.LANGUAGE_CODE, ""
    else:
        user = _staff().filter(pk=reader_id).first()
        if user is None:
            return False
        address, language, zone = user.email, user.language, user.time_zone
    send_templated_email(
        to=address,
        template="agent_refused",
        context={"request": request, "refused_at": request.identity.subject_denied_at},
        language=language,
        time_zone=zone,
    )
    return True
