"""Notices to the person about their request: stored, shown on the page, e-mailed.

One template (``rights/notice.txt``) renders each notice, for the e-mail and
for the request page alike, in the recipient's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from portal.kernel import outbox

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


@dataclass(frozen=True)
class Recipient:
    """An address a notice goes to, the language it is written in, and whether the
    recipient has an account (and so a request page) in the portal."""

    email: str
    language: str
    has_account: bool


# Notices an appointed agent's principal receives a copy of: that a request was
# made in their name, and how it ended.
PRINCIPAL_COPIES = frozenset({"completed", "partially_completed", "rejected", "expired"})


def recipients_of(request: RightsRequest, kind: str) -> list[Recipient]:
    """Who is told of a notice of ``kind`` about ``request``.

    Without an identity (a customer's own request in the portal): the person,
    else whoever filed it. With one (the public form, staff-entered requests):
    the requester at the address they confirmed — for a legal representative
    of a minor or an adult ward only the representative, who exercises the
    person's rights in their place (APPI Art. 37). For an appointed agent the
    person is also told, where an address is known, that a request was made in
    their name and how it ended: the agent acts only on the person's
    permission, which the person may deny (APPI Art. 37, CCPA §7063).
    """
    identity = getattr(request, "identity", None) if request.pk else None
    if identity is None:
        user = recipient_of(request)
        return [Recipient(user.email, user.language, True)] if user is not None else []
    from .requesters.models import Capacity

    found: list[Recipient] = []
    if request.requester is not None:
        found.append(Recipient(request.requester.email, request.requester.language, True))
    elif identity.requester_email:
        found.append(Recipient(identity.requester_email, identity.requester_language, False))
    elif identity.capacity == Capacity.SELF and request.subject is not None:
        found.append(Recipient(request.subject.email, request.subject.language, True))
    if identity.capacity == Capacity.AGENT and kind in PRINCIPAL_COPIES:
        if request.subject is not None:
            principal = Recipient(request.subject.email, request.subject.language, True)
        elif identity.subject_email:
            principal = Recipient(identity.subject_email, identity.requester_language, False)
        else:
            principal = None
        if principal and principal.email.lower() not in {r.email.lower() for r in found}:
            found.append(principal)
    return found


def follow_url(request: RightsRequest, email: str) -> str:
    """The address of the follow page of ``request`` for a recipient without an account."""
    from .requesters.follow_links import follow_token

    path = reverse("identity:follow", kwargs={"token": follow_token(request, email)})
    return f"{settings.SITE_URL}{path}"


def render_notice(
    notification: RequestNotification,
    *,
    language: str,
    has_account: bool = True,
    follow_url: str = "",
) -> tuple[str, str]:
    """(subject line, body) of a notice in ``language``.

    ``has_account`` False words it for someone without a request page in the
    portal: it points to ``follow_url``, their follow page (see :func:`follow_url`).
    """
    from django.utils.dateparse import parse_datetime

    context = {
        "has_account": has_account,
        "follow_url": follow_url,
        "documents": notification.context.get("documents", False),
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
        from portal.kernel.personal_data import yen

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
