"""Writes for rights requests besides status changes (those are in workflow.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.kernel.audit import audit_log
from portal.kernel.emails import send_templated_email
from portal.kernel.models import OutboxMessage
from portal.kernel.outbox import enqueue
from portal.kernel.roles import PRIVACY_OFFICER, WORKING_ROLES, staff_role

from . import api_events, deadlines
from .assignment_mail import assignment_mail_queue, unassignment_mail_queue
from .choices import Channel, EventKind, PaymentStatus, Regime, Status
from .models import RequestEvent, RequestMessage, RightsRequest
from .notifications import STAFF_MESSAGE, notify
from .stop_grounds import without_grounds
from .uploads import check_upload, clean_name, sealed
from .workflow import TransitionError, refresh_due_at, transition

logger = logging.getLogger(__name__)


def request_submit(
    *,
    subject,
    requester,
    kind: str,
    services=(),
    categories: list[str] | None = None,
    scope: dict | None = None,
    details: str = "",
    delivery_method: str = "",
    channel: str = Channel.PORTAL,
    regime: str | None = None,
    received_at: dt.datetime | None = None,
    time_zone: str = "",
    organisation=None,
    identity_check: bool = False,
    actor=None,
    http_request=None,
) -> RightsRequest:
    """File a request: compute its deadlines, record it, tell the person.

    ``received_at`` defaults to now; staff entering a letter give the date it
    arrived, from which the deadline counts. ``time_zone`` is the requester's,
    in which the deadline's days are counted; by default the regime's
    (``RIGHTS_REGIME_TIME_ZONES``). ``organisation``: the request is
    about that corporate customer's account, whose members read the answers;
    only one of its members may file it (ValueError otherwise).
    ``identity_check``: the request waits for an identity check from the moment it
    is filed (``identity_request_file``); where that stops the clock the receipt
    says so, and gives no date the check would move.
    """
    if organisation is not None and not organisation.is_member(requester):
        raise ValueError("Only a member files a request about a corporate customer's account.")
    with transaction.atomic():
        request = RightsRequest(
            subject=subject,
            requester=requester,
            organisation=organisation,
            kind=kind,
            channel=channel,
            categories=list(categories or []),
            scope=dict(scope or {}),
            details=details,
            delivery_method=delivery_method,
            received_at=received_at or timezone.now(),
        )
        if regime:
            request.regime = regime
        request.time_zone = time_zone or deadlines.regime_time_zone(request.regime)
        request.acknowledgement_due_at = deadlines.acknowledgement_due(
            request.regime, request.received_at, tz=request.time_zone
        )
        request.due_at = deadlines.due_at(
            request.regime, request.received_at, kind=request.kind, tz=request.time_zone
        )
        request.full_clean(exclude=["due_at"])
        request.save()
        if services:
            request.services.set(services)
        request.note_registered_services()
        RequestEvent.objects.create(
            request=request,
            kind=EventKind.TRANSITION,
            actor=actor or requester,
            to_status=Status.SUBMITTED,
            created_at=request.received_at,
        )
        audit_log(
            action="request.submitted",
            actor=actor or requester,
            target=request,
            subject=subject,
            request=http_request,
            details={"kind": kind, "channel": channel, "regime": request.regime},
        )
        api_events.status_changed(request, from_status=None, to_status=Status.SUBMITTED)
        notify(request, "received", extra={"identity_check": True} if identity_check else None)
        # A receipt notice with the due date is the acknowledgement CCPA asks for.
        request.acknowledged_at = timezone.now()
        request.save(update_fields=["acknowledged_at"])
    logger.info("request %s filed: %s, channel %s", request.reference, kind, request.channel)
    return request


class DuplicateRequest(Exception):
    """Open requests like the one being filed that the person has not seen yet."""

    def __init__(self, duplicates):
        super().__init__("open requests of the same kind and scope")
        self.duplicates = duplicates


def request_file(
    *, confirmed_duplicates=frozenset(), among=None, file_with=None, **submit
) -> RightsRequest:
    """File a request the person has reviewed: :func:`request_submit`'s arguments, or
    those of ``file_with`` (``identity_request_file``, for one awaiting verification).

    Raises :class:`DuplicateRequest` when an open request of the same kind and
    scope exists that the person did not confirm filing beside: checked with the
    person's row locked, so two submissions at once file one request and show
    the other the duplicate. ``among``: the requests that count (an API client
    is told only of those it may read); by default every one. A request about
    no known person (``subject`` None) has nothing to compare with.
    """
    subject = submit["subject"]
    with transaction.atomic():
        if subject is not None:
            subject_lock(subject)
            duplicates = open_duplicates(
                subject=subject,
                kind=submit["kind"],
                services=submit.get("services") or (),
                categories=submit.get("categories"),
                scope=submit.get("scope"),
                among=among,
            )
            if {d.pk for d in duplicates} - set(confirmed_duplicates):
                raise DuplicateRequest(duplicates)
        return (file_with or request_submit)(**submit)


def subject_lock(subject) -> None:
    """Lock the person's row until the transaction ends: filings about one person
    take turns, each seeing what the one before filed. Must be called inside a
    transaction."""
    get_user_model().objects.select_for_update().filter(pk=subject.pk).first()


def open_duplicates(
    *, subject, kind: str, services=(), categories=None, scope=None, among=None
) -> list[RightsRequest]:
    """Open requests of the same kind and scope about the same person, oldest first;
    ``among``: only those of this queryset of requests."""
    wanted_services = sorted(s.pk for s in services)
    matches = []
    requests = RightsRequest.objects.all() if among is None else among
    candidates = (
        requests.open()
        .filter(subject=subject, kind=kind)
        .prefetch_related("services")
        .order_by("pk")
    )
    for existing in candidates:
        same_services = sorted(s.pk for s in existing.services.all()) == wanted_services
        same_categories = sorted(existing.categories) == sorted(categories or [])
        # The grounds stated do not change what is asked.
        same_scope = without_grounds(existing.scope) == without_grounds(scope)
        if same_services and same_categories and same_scope:
            matches.append(existing)
    return matches


def request_extend(
    *, request: RightsRequest, new_deadline: dt.datetime, reason: str, actor, http_request=None
) -> RightsRequest:
    """Extend the deadline within the regime's limits and tell the person why.

    Raises ValidationError with the rule that was broken; nothing changes then.
    """
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        if not locked.is_open:
            raise ValidationError(_("Only an open request can be extended."))
        pauses = [
            deadlines.Pause(started_at=p.started_at, ended_at=p.ended_at, reason=p.reason)
            for p in locked.pauses.all()
        ]
        try:
            extended = deadlines.check_extension(
                locked.regime,
                locked.received_at,
                kind=locked.kind,
                pauses=pauses,
                extended_to=locked.extended_to,
                new_deadline=new_deadline,
                reason=reason,
                tz=locked.zone,
            )
        except deadlines.ExtensionNotAllowed as error:
            raise ValidationError(str(error)) from error
        previous_due = locked.due_at
        locked.extended_to = extended
        refresh_due_at(locked)
        locked.save(update_fields=["extended_to", "due_at"])
        RequestEvent.objects.create(
            request=locked,
            kind=EventKind.EXTENSION,
            actor=actor,
            reason=reason.strip(),
            details={"from": previous_due.isoformat(), "to": locked.due_at.isoformat()},
        )
        audit_log(
            action="request.extended",
            actor=actor,
            target=locked,
            subject=locked.subject,
            request=http_request,
            details={"due_at": locked.due_at.isoformat()},
        )
        notify(locked, "extended", reason=reason.strip())
    request.refresh_from_db()
    return request


def request_assign(*, requests, assignee, actor, http_request=None) -> int:
    """Assign requests to a member of staff; returns how many changed.

    Someone assigned by another is mailed once for all the requests, and so is
    each previous assignee someone else took requests from (:mod:`.assignment_mail`)."""
    assigned = []
    previous: dict[int, list[int]] = {}
    with transaction.atomic():
        for locked in RightsRequest.objects.select_for_update().filter(
            pk__in=[r.pk for r in requests]
        ):
            if locked.assignee_id == (assignee.pk if assignee else None):
                continue
            if not locked.is_open:
                raise ValidationError(
                    _(
                        "%(reference)s is closed: a closed request is not assigned. "
                        "Nothing was assigned."
                    )
                    % {"reference": locked.reference}
                )
            if assignee is not None and assignee.pk == locked.subject_id:
                raise ValidationError(_("Staff may not process a request about themselves."))
            if assignee is not None and staff_role(assignee) not in WORKING_ROLES:
                raise ValidationError(
                    _(
                        "Nothing was assigned: %(who)s does not work on requests "
                        "(auditors only read)."
                    )
                    % {"who": assignee.email}
                )
            visible = RightsRequest.objects.visible_to(assignee) if assignee else None
            if visible is not None and not visible.filter(pk=locked.pk).exists():
                raise ValidationError(
                    _(
                        "Nothing was assigned: %(who)s cannot open %(reference)s, "
                        "which concerns none of their services."
                    )
                    % {"who": assignee.email, "reference": locked.reference}
                )
            if locked.assignee_id is not None:
                previous.setdefault(locked.assignee_id, []).append(locked.pk)
            locked.assignee = assignee
            locked.save(update_fields=["assignee"])
            RequestEvent.objects.create(
                request=locked,
                kind=EventKind.ASSIGNMENT,
                actor=actor,
                details={"assignee": assignee.email if assignee else None},
            )
            audit_log(
                action="request.assigned",
                actor=actor,
                target=locked,
                subject=locked.subject,
                request=http_request,
                details={"assignee": assignee.pk if assignee else None},
            )
            assigned.append(locked.pk)
        assignment_mail_queue(assignee=assignee, actor=actor, request_ids=assigned)
        unassignment_mail_queue(previous=previous, actor=actor)
    return len(assigned)


def request_change_regime(
    *, request: RightsRequest, regime: str, reason: str, actor, http_request=None
) -> RightsRequest:
    """Change the legal regime (and so the deadlines) with a reason.

    Only while the request is open, and not while a fee asked under the current regime
    awaits payment: moving the request back to review cancels the fee first (the
    other regime may keep the request free, e.g. a first copy under GDPR art. 12(5)).
    """
    if regime not in Regime.values:
        raise ValidationError(_("Unknown legal regime."))
    if not reason.strip():
        raise ValidationError(_("Changing the legal regime needs a reason."))
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        if locked.regime == regime:
            return locked
        if not locked.is_open:
            raise ValidationError(
                _("The request is closed: it stays under the legal regime it was answered under.")
            )
        if locked.payments.filter(status=PaymentStatus.PENDING).exists():
            raise ValidationError(
                _(
                    "A fee asked under the current regime awaits payment: move the request "
                    "back to review, which cancels the fee, before changing the regime."
                )
            )
        previous = locked.regime
        locked.regime = regime
        # The requester's zone goes with the regime: its deadlines count there.
        locked.time_zone = deadlines.regime_time_zone(regime)
        locked.extended_to = None
        locked.acknowledgement_due_at = deadlines.acknowledgement_due(
            regime, locked.received_at, tz=locked.time_zone
        )
        refresh_due_at(locked)
        locked.save(
            update_fields=[
                "regime",
                "time_zone",
                "extended_to",
                "acknowledgement_due_at",
                "due_at",
            ]
        )
        RequestEvent.objects.create(
            request=locked,
            kind=EventKind.REGIME,
            actor=actor,
            reason=reason.strip(),
            details={"from": previous, "to": regime},
        )
        audit_log(
            action="request.regime_changed",
            actor=actor,
            target=locked,
            subject=locked.subject,
            request=http_request,
            details={"from": previous, "to": regime},
        )
        # The person learns the law and the date it sets, as of an extension; while the
        # request waits for them, a date that moves with the wait is not given (the
        # CCPA's clock does not wait).
        notify(locked, "regime_changed", extra={"regime": regime})
    request.refresh_from_db()
    return request


def message_post(
    *,
    request: RightsRequest,
    author,
    body: str,
    attachment=None,
    attachment_type: str = "",
    http_request=None,
) -> RequestMessage:
    """Add a message to the thread. A customer's answer to a request for
    information puts the request back in review (the clock runs again).

    ``author`` None is the requester without an account, writing from the
    follow page after confirming their address."""
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Please write a message."))
    from_staff = author is not None and author.is_staff
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        if not locked.is_open:
            raise ValidationError(_("This request is closed; please file a new one."))
        message = RequestMessage(
            request=locked,
            author=author,
            from_staff=from_staff,
            body=body,
        )
        if attachment is None:
            message.save()
        else:
            # The type first: the stored file's name is random, with its extension.
            message.attachment_type = attachment_type or check_upload(attachment)
            message.attachment_name = clean_name(
                attachment.name,
                max_length=RequestMessage._meta.get_field("attachment_name").max_length,
                fallback="attachment",
            )
            with sealed(attachment) as encrypted:
                message.attachment = encrypted
                message.save()
        audit_log(
            action="request.message",
            actor=author,
            target=locked,
            subject=locked.subject,
            request=http_request,
            details={"attachment": bool(attachment)},
        )
        if from_staff:
            notify(locked, STAFF_MESSAGE)
        if not from_staff and locked.status == Status.AWAITING_CUSTOMER:
            with contextlib.suppress(TransitionError):
                transition(locked, to=Status.IN_REVIEW, actor=author, http_request=http_request)
    return message


# The daily digest is one outbox message per officer and period (the task mails
# it once per message); the period in its arguments lets a run repeated after a
# crash see what it already queued.
OVERDUE_DIGEST_TASK = "rights.tasks.mail_overdue_digest"
# The digest lists at most this many requests, most overdue first.
OVERDUE_DIGEST_LIMIT = 500


def privacy_officers():
    """The active privacy officers (the overdue digest, the alert of a refused agent)."""
    return get_user_model().objects.filter(
        is_active=True, is_staff=True, groups__name=PRIVACY_OFFICER
    )


def requests_escalate_overdue(
    *, now: dt.datetime | None = None, period: dt.datetime | None = None
) -> int:
    """Queue for every privacy officer the list of overdue open requests (daily digest);
    return how many requests are overdue.

    ``period`` is the beat period the job runs for (``portal.kernel.jobs``); started by
    hand, the period is the day. The messages are written in one transaction, one
    per officer and period: a run repeated after a crash (or a retried task) finds
    the period's messages and queues none again, and each is mailed once
    (``OutboxTask``), so no officer gets a period's digest twice.
    """
    now = now or timezone.now()
    overdue = RightsRequest.objects.overdue(now).count()
    if not overdue:
        return 0
    key = period.isoformat() if period else timezone.localdate(now).isoformat()
    with transaction.atomic():
        for officer_id in privacy_officers().values_list("pk", flat=True).order_by("pk"):
            queued = OutboxMessage.objects.filter(
                task_name=OVERDUE_DIGEST_TASK, kwargs__officer_id=officer_id, kwargs__period=key
            )
            if not queued.exists():
                enqueue(OVERDUE_DIGEST_TASK, officer_id=officer_id, period=key)
    return overdue


def overdue_digest_send(*, officer_id: int) -> bool:
    """Mail one privacy officer the overdue open requests as they stand now; True if mailed.

    Nothing is mailed to an officer who left the role, or when nothing is overdue
    any more.
    """
    officer = privacy_officers().filter(pk=officer_id).first()
    if officer is None:
        return False
    overdue = list(
        RightsRequest.objects.overdue()
        .select_related("assignee")
        .order_by("due_at")[:OVERDUE_DIGEST_LIMIT]
    )
    if not overdue:
        return False
    send_templated_email(
        to=officer.email,
        template="rights_overdue",
        context={"requests": overdue, "count": len(overdue)},
        language=officer.language,
        time_zone=officer.time_zone,
    )
    return True
