"""Requests whose notices a test mails itself: filed and moved with their outbox messages
left unrun, and the notices a test's set-up queued but left unsent."""

from __future__ import annotations

from django.core import mail

from rights import workflow
from rights.choices import Kind, Status
from rights.models import RequestNotification
from rights.services import request_file
from rights.tasks import send_request_notification
from tests.factories import UserFactory


def mail_waiting_notices() -> None:
    """Mail the notices the set-up left unsent, as the worker would have, then empty the
    outbox: a later notice mails first the earlier ones of its request not e-mailed
    yet, so without this the action a test looks at would not be the only one mailed."""
    waiting = RequestNotification.objects.filter(emailed_at__isnull=True).order_by("pk")
    for pk in waiting.values_list("pk", flat=True):
        send_request_notification(pk)
    mail.outbox.clear()


def filed(capture, *, requester=None, subject=None):
    """A notice of purposes filed in the portal (by ``requester`` for ``subject``, by
    default one English-speaking customer for themselves), its receipt not mailed."""
    customer = subject or UserFactory(language="en")
    with capture(execute=False):
        return request_file(
            subject=customer,
            requester=requester or customer,
            kind=Kind.PURPOSE_NOTICE,
            delivery_method="electronic",
        )


def moved(request, to, officer, capture) -> RequestNotification:
    """Move ``request`` to ``to`` (a refusal with its reason and ground); its notice, not mailed."""
    rejected = to == Status.REJECTED
    request.refresh_from_db()
    with capture(execute=False):
        workflow.transition(
            request,
            to=to,
            actor=officer,
            reason="We hold no personal data about you." if rejected else "",
            ground="other" if rejected else "",
        )
    return request.notifications.order_by("pk").last()
