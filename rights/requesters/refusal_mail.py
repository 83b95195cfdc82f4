"""The e-mail that tells staff the person refused the agent who filed in their name.

The person answered "No" on the link asking whether they appointed the agent (CCPA
§7063, APPI art. 37): the request waits for staff to reject it, its clock paused, so
staff are told at once instead of when someone happens to open it. The request's
assignee is mailed; while nobody holds it, every privacy officer, or the privacy
office's address when there is none. Queued through the outbox in the answer's
transaction (a crash loses no alert; the link answers once, so it is queued once);
each mail is in its reader's language and time zone and names the request by its
reference only, never the person.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model

from portal.kernel import outbox
from portal.kernel.emails import send_templated_email

from ..models import RightsRequest
from ..services import privacy_officers

AGENT_REFUSED_TASK = "rights.tasks.mail_agent_refused"


def agent_refused_queue(request: RightsRequest) -> None:
    """Queue the alert for ``request`` (call inside the answer's transaction)."""
    outbox.enqueue(AGENT_REFUSED_TASK, request_id=request.pk)


def _readers(request: RightsRequest) -> list[tuple[str, str, str]]:
    """(address, language, time zone) of whom to tell: the assignee, else the officers,
    else the privacy office."""
    staff = get_user_model().objects.filter(is_active=True, is_staff=True)
    found = list(staff.filter(pk=request.assignee_id)) if request.assignee_id else []
    found = found or list(privacy_officers().distinct().order_by("pk"))
    if not found:
        return [(settings.PRIVACY_OFFICE_EMAIL, settings.LANGUAGE_CODE, "")]
    return [(user.email, user.language, user.time_zone) for user in found]


def agent_refused_send(*, request_id: int) -> int:
    """Mail staff that the person refused the agent of ``request_id``, if the refusal
    still stands; how many were mailed."""
    request = (
        RightsRequest.objects.select_related("identity")
        .filter(pk=request_id, identity__subject_denied_at__isnull=False)
        .first()
    )
    if request is None:
        return 0
    readers = _readers(request)
    for address, language, zone in readers:
        send_templated_email(
            to=address,
            template="agent_refused",
            context={"request": request, "refused_at": request.identity.subject_denied_at},
            language=language,
            time_zone=zone,
        )
    return len(readers)
