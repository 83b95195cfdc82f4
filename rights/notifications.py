"""Notices to the person about their request: recorded and queued for e-mail.

:func:`notify` stores a notice (``RequestNotification``) in the caller's
transaction and queues its e-mail through the outbox by task name
(``rights.tasks.send_request_notification``), so the state machine can notify
without importing the tasks. Who receives a notice: :func:`recipients_of`. How
a notice reads: :mod:`rights.notice_text`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from portal.kernel import outbox

from . import deadlines
from .models import PAUSED_STATUSES, DisclosurePackage, RequestNotification, RightsRequest
from .requesters.models import Capacity

SEND_NOTIFICATION_TASK = "rights.tasks.send_request_notification"

#: The notice of a status change that has no notice of its own (``STATUS_CHANGED``)
#: and of a message staff wrote in the thread (``STAFF_MESSAGE``): e-mails that send
#: the person to the request's page, where the change and the message are shown.
STATUS_CHANGED, STAFF_MESSAGE = "status_changed", "message"
#: Notices only e-mailed: the request's page shows the thread instead.
EMAIL_ONLY = frozenset({STATUS_CHANGED, STAFF_MESSAGE})


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
    notification = RequestNotification.objects.create(
        request=request,
        kind=kind,
        context={
            # Sent while the deadline is paused: the notice gives no date, which the wait
            # would move (rights.notice_text.edited_text).
            "paused": deadline_paused(request),
            **(extra or {}),
            "due_at": request.due_at.isoformat() if request.due_at else None,
            "reason": reason,
            "ground": ground,
        },
    )
    outbox.enqueue(SEND_NOTIFICATION_TASK, notification.pk)


def deadline_paused(request: RightsRequest) -> bool:
    """Whether the request's deadline stands still now: it waits for the person, under a
    law whose clock waits (not the CCPA's, §7021(b))."""
    return request.is_paused and deadlines.clock_stops(
        request.regime, PAUSED_STATUSES[request.status]
    )


#: Notices that tell the person the request's status (not the receipt, an extension or
#: a message): one mailed makes an earlier status change old news.
STATUS_NOTICES = frozenset(
    {
        STATUS_CHANGED,
        "verification_needed",
        "information_needed",
        "fee_due",
        "completed",
        "partially_completed",
        "rejected",
        "expired",
    }
)


def superseded(notification: RequestNotification, *, overtaken_by: Iterable[str] = ()) -> bool:
    """Whether a status-change notice is old news: a later notice of the request's
    status has already been mailed, or is mailed right after it (``overtaken_by``: the
    kinds of the later notices mailed with it). Mailed now it would arrive after it, or
    just before it, as "in progress, we will answer by ..." next to the final notice of
    a deletion that went into progress and finished in the same action. Its e-mail is
    not sent."""
    if notification.kind != STATUS_CHANGED:
        return False
    return not STATUS_NOTICES.isdisjoint(overtaken_by) or (
        RequestNotification.objects.filter(
            request_id=notification.request_id,
            pk__gt=notification.pk,
            kind__in=sorted(STATUS_NOTICES),
            emailed_at__isnull=False,
        ).exists()
    )


def status_change_notified(to: str, actor, *, date_promised: bool = False) -> bool:
    """Whether a change to ``to`` without a notice of its own is e-mailed: when staff or
    the system made it, and a withdrawal whoever made it. The customer's own answer,
    which puts the request back in review, is not, unless a notice sent while it waited
    promised the date once the clock runs again (``date_promised``)."""
    return date_promised or actor is None or actor.is_staff or to == "withdrawn"


#: Notices that, sent while the deadline is paused, say "once it runs again, we will
#: tell you the date by which we will answer" (rights/notice.txt).
PROMISE_THE_DATE = frozenset({"extended", "regime_changed"})


def date_promised(request: RightsRequest) -> bool:
    """Whether a notice sent during the wait still open promised the person the date of
    the answer once the clock runs again. Call before the wait is closed."""
    pause = request.pauses.filter(ended_at__isnull=True).order_by("-started_at").first()
    if pause is None:
        return False
    # The context is encrypted at rest: read here, not filtered by the database.
    sent = request.notifications.filter(
        kind__in=sorted(PROMISE_THE_DATE), created_at__gte=pause.started_at
    )
    return any(notice.context.get("paused") for notice in sent)


def request_url(request: RightsRequest) -> str:
    """The absolute address of the request's page in the portal (SITE_URL)."""
    return f"{settings.SITE_URL}{reverse('rights:request_detail', kwargs={'pk': request.pk})}"


def recipient_of(request: RightsRequest):
    """Who is told: the person the request is about, else whoever filed it."""
    return request.subject or request.requester


@dataclass(frozen=True)
class Recipient:
    """An address a notice goes to, the language it is written in, whether the
    recipient has an account (and so a request page) in the portal, whether
    they are the person an appointed agent acted for (who receives a copy), and
    whether they can still log in to open that page (not once the account is closed),
    and whether the request is the deletion that closed it: its address is erased once
    the request's last notice is sent, so that notice points to no page at all."""

    email: str
    language: str
    has_account: bool
    principal: bool = False
    signs_in: bool = True
    closed_by_it: bool = False

    @property
    def follows_by_link(self) -> bool:
        """Whether the recipient follows the request by the signed link of their address
        (``requesters.follow``): without an account, or once it is closed by another
        request."""
        return (not self.has_account or not self.signs_in) and not self.closed_by_it


# Notices an appointed agent's principal receives a copy of: that a request was
# made in their name, and how it ended.
PRINCIPAL_COPIES = frozenset({"completed", "partially_completed", "rejected", "expired"})


def recipients_of(request: RightsRequest, kind: str) -> list[Recipient]:
    """Who is told of a notice of ``kind`` about ``request``.

    Without an identity (a customer's own request in the portal): the person,
    else whoever filed it; for a request about a corporate customer's account the
    designated contact also receives the outcome. With one (the public form,
    staff-entered requests): the requester at the address they confirmed —
    for a legal representative of a minor or an adult ward only the
    representative, who exercises the person's rights in their place (APPI
    Art. 37). For an appointed agent the person is also told, where an
    address is known, that a request was made in their name and how it ended:
    the agent acts only on the person's permission, which the person may deny
    (APPI Art. 37, CCPA §7063). The person is written to in their own language: the
    matched customer's, before the match the one the requester gave for them.
    """
    identity = getattr(request, "identity", None) if request.pk else None
    if identity is None:
        user = recipient_of(request)
        found = [_account_recipient(user, request)] if user is not None else []
        organisation = request.organisation if request.organisation_id else None
        contact = organisation.contact if organisation is not None else None
        if (
            contact is not None
            and kind in PRINCIPAL_COPIES
            and contact != user
            and organisation.is_member(contact)
        ):
            # A corporate customer's designated contact receives the answer too.
            found.append(Recipient(contact.email, contact.language, True))
        return found
    found: list[Recipient] = []
    if request.requester is not None:
        found.append(_account_recipient(request.requester, request))
    elif identity.requester_email:
        found.append(Recipient(identity.requester_email, identity.requester_language, False))
    elif identity.capacity == Capacity.SELF and request.subject is not None:
        found.append(_account_recipient(request.subject, request))
    if identity.capacity == Capacity.AGENT and kind in PRINCIPAL_COPIES:
        if request.subject is not None:
            principal = _account_recipient(request.subject, request, principal=True)
        elif identity.subject_email:
            principal = Recipient(
                identity.subject_email, identity.subject_language, False, principal=True
            )
        else:
            principal = None
        if principal and principal.email.lower() not in {r.email.lower() for r in found}:
            found.append(principal)
    return found


def _account_recipient(user, request: RightsRequest, *, principal: bool = False) -> Recipient:
    closure = None if user.is_active else getattr(user, "account_closure", None)
    return Recipient(
        user.email,
        user.language,
        True,
        principal=principal,
        signs_in=user.is_active,
        closed_by_it=closure is not None and closure.request_id == request.pk,
    )


def with_answer_addresses(requests, email: str) -> list[RightsRequest]:
    """``requests`` with where each one's answer goes, for a customer at ``email``:
    ``answered_to``, the addresses it goes to when it goes first to another one (an
    agent's, a representative's), else empty; ``copy_to_you``, whether ``email``
    receives a copy then."""
    found = []
    for request in requests:
        addresses = [r.email for r in recipients_of(request, "completed")]
        mine = [a for a in addresses if a.lower() == email.lower()]
        elsewhere = bool(addresses) and addresses[0] not in mine
        request.answered_to = ", ".join(a for a in addresses if a not in mine) if elsewhere else ""
        request.copy_to_you = bool(mine)
        found.append(request)
    return found


def downloads_left(request: RightsRequest, email: str) -> list[DisclosurePackage]:
    """The disclosure packages still kept (``DisclosurePackage.objects.kept``) of the
    person's other requests (about or filed by the subject or requester of ``request``)
    that ``email`` downloads as the one answered (not a copy to the person an agent
    acted for), soonest expiring first. Once the account is closed they are reached by
    the follow link of ``email``, which is kept until the last of them expires."""
    people = [pk for pk in (request.subject_id, request.requester_id) if pk]
    if not people:
        return []
    packages = (
        DisclosurePackage.objects.kept()
        .filter(Q(request__subject_id__in=people) | Q(request__requester_id__in=people))
        .exclude(request_id=request.pk)
        .select_related("request__identity", "request__subject", "request__requester")
        .order_by("expires_at", "pk")
    )
    return [
        package
        for package in packages
        if any(
            r.email.lower() == email.lower() and not r.principal
            for r in recipients_of(package.request, "completed")
        )
    ]
