"""Notices to the person about their request: stored, shown on the page, e-mailed.

One template (``rights/notice.txt``) renders each notice, for the e-mail and
for the request page alike, in the recipient's language.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from portal import outbox

from .models import RequestNotification, RightsRequest


def outcome_lines(outcome: dict) -> dict:
    """A decision's outcome (correction or stop) in words of the active language."""
    if outcome.get("kind") == "correction":
        from .correction import outcome_lines as lines
    else:
        from .stops import outcome_lines as lines
    return lines(outcome)


def event_outcome(event) -> dict | None:
    """The before/after of a correction, or what a stop decision did, for a timeline."""
    from .choices import EventKind

    if event.kind in (EventKind.CORRECTION, EventKind.STOP) and event.details:
        return outcome_lines(event.details)
    return None


def notify(
    request: RightsRequest,
    kind: str,
    *,
    reason: str = "",
    ground: str = "",
    extra: dict | None = None,
) -> None:
    """Record a notice and queue its e-mail (outbox). Call inside the writing transaction.

    ``extra`` (JSON-serialisable) is stored with the notice for its template,
    e.g. ``{"fee": {"amount": ..., "reference": ..., "pay_by": ...}}``.
    """
    from .tasks import send_request_notification

    notification = RequestNotification.objects.create(
        request=request,
        kind=kind,
        context={
            **(extra or {}),
            "due_at": request.due_at.isoformat() if request.due_at else None,
            "reason": reason,
            "ground": ground,
        },
    )
    outbox.enqueue(send_request_notification, notification.pk)


def recipient_of(request: RightsRequest):
    """Who is told: the person the request is about, else whoever filed it."""
    return request.subject or request.requester


def render_notice(notification: RequestNotification, *, language: str) -> tuple[str, str]:
    """(subject line, body) of a notice in ``language``."""
    from django.utils.dateparse import parse_datetime

    context = {
        "notification": notification,
        "request": notification.request,
        "kind": notification.kind,
        "reason": notification.context.get("reason", ""),
        "ground": notification.context.get("ground", ""),
        "due_at": parse_datetime(notification.context["due_at"])
        if notification.context.get("due_at")
        else None,
    }
    fee = notification.context.get("fee")
    if fee:
        context["fee_reference"] = fee["reference"]
        context["fee_pay_by"] = parse_datetime(fee["pay_by"])
        context["fees_url"] = f"{settings.SITE_URL}{reverse('fees')}"
    if "download" in notification.context or "posted_on" in notification.context:
        from .disclosure.notices import delivery_notice_context

        context.update(delivery_notice_context(notification.context))
    with translation.override(language):
        from portal.personal_data import yen

        from .choices import RejectionGround

        if fee:
            context["fee_amount"] = yen(fee["amount"])

        outcome = notification.context.get("outcome")
        if outcome:
            context["outcome"] = outcome_lines(outcome)
            context["outcome_kind"] = outcome.get("kind")
            context["consent_url"] = f"{settings.SITE_URL}{reverse('consent:dashboard')}"

        if context["ground"] in RejectionGround.values:
            context["ground_label"] = str(RejectionGround(context["ground"]).label)
        subject = render_to_string("rights/notice_subject.txt", context)
        body = render_to_string("rights/notice.txt", context)
    return " ".join(subject.split()), body.strip()
