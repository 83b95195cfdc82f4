"""Carrying out a system's task: one attempt, its back-off, the answer, the retry.

An HTTP task is attempted by the outbox task queued with it and retried with
back-off (``CONNECTOR_BACKOFF_SECONDS`` doubling up to
``CONNECTOR_BACKOFF_MAX_SECONDS``) through Celery and the beat job
``rights.tasks.connectors_due``; after ``CONNECTOR_MAX_ATTEMPTS`` it is
failed and staff see the error and a retry button. Each attempt first claims
the task (a conditional update moving its next attempt past the call's
timeout), so two runners never call a system for the same task at once; every
call carries the task's key as its request id, which the contract requires
the system to apply once, so a call repeated after a lost answer erases or
corrects nothing twice.

When the last task of a request is settled, the request is finished by the
task ``rights.tasks.connectors_finish``: a deletion runs its executor again
(which completes it), a held correction or stop decision moves on.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.kernel import outbox
from portal.kernel.audit import audit_log
from portal.kernel.dates import portal_day
from portal.kernel.registry import Category
from rights import workflow
from rights.choices import Kind, Status
from rights.models import RightsRequest
from rights.retention.holds.selectors import held_categories, held_elsewhere

from . import client, errors
from .models import ExternalSystem, HeldDecision, Operation, SystemTask
from .summary import customer_text

logger = logging.getLogger(__name__)

State = SystemTask.State
#: Tasks one run of the beat job attempts at most (each within its system's timeout).
DUE_BATCH = 50


def backoff(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt."""
    base = settings.CONNECTOR_BACKOFF_SECONDS
    return int(min(base * 2 ** max(attempts - 1, 0), settings.CONNECTOR_BACKOFF_MAX_SECONDS))


def callback_url(task: SystemTask) -> str:
    path = reverse("connectors:callback", kwargs={"key": task.key})
    return settings.SITE_URL.rstrip("/") + path


def payload(task: SystemTask) -> dict:
    return {
        "request_id": str(task.key),
        "operation": task.operation,
        "subject": task.identifiers,
        **task.instructions,
        "callback_url": callback_url(task),
    }


def _due_q(now) -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def attempt(task_id: int) -> str:
    """Call the system once if the task is due; return what happened.

    ``"done"`` (settled), ``"accepted"`` (it answers by callback), ``"retry"``
    (not now: tried again after the back-off), ``"failed"`` (for good, until
    staff retry) or ``"not due"``.
    """
    now = timezone.now()
    task = SystemTask.objects.select_related("system").filter(pk=task_id).first()
    if task is None or task.system is None:
        return "not due"
    lease = now + dt.timedelta(seconds=task.system.timeout_seconds + 60)
    claimed = (
        SystemTask.objects.filter(
            pk=task_id,
            state=State.PENDING,
            mode=ExternalSystem.Mode.API,
            accepted_at__isnull=True,
        )
        # A request rejected or withdrawn meanwhile is not carried out any further.
        .filter(SystemTask.carried_on())
        .filter(_due_q(now))
        .update(next_attempt_at=lease, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "not due"
    task.refresh_from_db()
    if task.operation == Operation.ERASE and not erasure_outside_holds(task):
        return "done"
    try:
        answer = client.call(task.system, task.operation, payload(task), key=str(task.key))
    except client.Unavailable as error:
        final = task.attempts >= settings.CONNECTOR_MAX_ATTEMPTS
        _attempt_failed(task, str(error), final=final)
        return "failed" if final else "retry"
    except client.Refused as error:
        _attempt_failed(task, str(error), final=True)
        return "failed"
    return answer_record(task, answer)


def erasure_outside_holds(task: SystemTask) -> bool:
    """Before an erasure goes out, leave out the categories a legal hold keeps now.

    A hold placed after the task was planned still wins: the task's categories
    are narrowed to what no hold keeps, and those kept are noted in its
    ``held_back`` (asked for once the hold ends: :mod:`.after_holds`). False
    when nothing is left, and the task is then settled as not applicable with
    the holds named in its note.
    """
    holds = held_elsewhere(task.request.subject, on=portal_day())
    held = held_categories(holds)
    if not held:
        return True
    asked = task.instructions.get("categories")
    if asked is None:
        asked = task.everything()
    free = [c for c in asked if c not in held]
    with transaction.atomic():
        locked = SystemTask.objects.select_for_update().get(pk=task.pk)
        kept = set(locked.held_back) | {c for c in asked if c in held}
        locked.held_back = [c for c in Category.values if c in kept]
        task.held_back = locked.held_back
        if free:
            locked.instructions = {**locked.instructions, "categories": free}
            locked.save(update_fields=["instructions", "held_back"])
            task.instructions = locked.instructions
            return True
        locked.state = State.NOT_APPLICABLE
        locked.outcome = {"kept_by_hold": True}  # nothing was sent: no one was told
        locked.next_attempt_at = None
        locked.last_error = ""  # an earlier call's error no longer says anything
        locked.note = _("Not sent: kept under legal hold %(holds)s.") % {
            "holds": ", ".join(str(hold) for hold in holds)
        }
        settle(locked, now=timezone.now())
    return False


def held_data_erased(task: SystemTask, *, kept=()) -> list[str]:
    """A system reports an erasure done: note the categories it was asked to erase
    that a legal hold keeps now, and tell the privacy office (one
    ``connector.held_data_erased`` event); the categories noted, or ``[]``.

    A hold placed after the part went out (an HTTP call or an e-mail is narrowed
    when it goes out, not later) did not reach the system, which erased what it
    was asked. Its report is recorded as it is, done, never as kept under the hold
    (the data is gone, and nothing is asked again when the hold ends); the part
    says what was erased under the hold (``outcome["erased_under_hold"]``, shown
    on the request's page). Call it on the locked task, before it is saved.

    A partner mailed to keep some kinds (:mod:`.hold_notices`) answers for the rest:
    those are not counted. An HTTP system cannot be told: the kinds its part shows
    in ``held_back`` since it accepted the call still count, and, erased, are
    not asked again, unless the system says it kept them (``kept``: it read its
    part again before erasing); those stay held back, asked for once the hold ends.
    """
    request = task.request
    if task.operation != Operation.ERASE or request.subject_id is None:
        return []
    holds = held_elsewhere(request.subject, on=portal_day())
    held = held_categories(holds)
    if not held:
        return []
    asked = task.still_to_erase()
    asked = task.everything() if asked is None else asked
    # An HTTP system is not told of a hold placed after it accepted the call (the
    # contract has no such message; :mod:`.hold_notices`): what it was asked still counts.
    unheard = []
    if task.mode == ExternalSystem.Mode.API:
        unheard = (task.hold_notice or {}).get("categories") or []
    erased = [
        c for c in Category.values if c in held and (c in asked or c in unheard) and c not in kept
    ]
    if erased:
        task.outcome = {**(task.outcome or {}), "erased_under_hold": erased}
        task.held_back = [c for c in task.held_back or [] if c not in erased]
        audit_log(
            action="connector.held_data_erased",
            target=request,
            subject=request.subject,
            details={
                "system": task.name,
                "operation": task.operation,
                "categories": erased,
                "holds": [hold.pk for hold in holds],
            },
        )
    return erased


def _attempt_failed(task: SystemTask, error: str, *, final: bool, note: str | None = None) -> None:
    now = timezone.now()
    with transaction.atomic():
        locked = SystemTask.objects.select_for_update().get(pk=task.pk)
        if locked.state != State.PENDING:
            return
        # A call's error is cut (a service may answer anything); a note reported
        # through the API is bounded by the API (2,000 characters) and kept whole.
        locked.last_error = error if note is not None else error[:500]
        if note is not None:
            locked.note = note
        if final:
            locked.state = State.FAILED
            locked.next_attempt_at = None
        else:
            locked.next_attempt_at = now + dt.timedelta(seconds=backoff(locked.attempts))
        locked.save(update_fields=["last_error", "note", "state", "next_attempt_at"])
        if final:
            audit_log(
                action="connector.failed",
                target=locked.request,
                subject=locked.request.subject,
                details={"system": locked.name, "operation": locked.operation},
            )
    logger.warning(
        "connector %s (%s) of request %s: %s%s",
        task.name,
        task.operation,
        task.request_id,
        error,
        " (failed)" if final else "",
    )


def task_failed(task: SystemTask, error: str, *, note: str | None = None) -> None:
    """The system says it cannot do its part: failed, shown to staff (retry or record why).

    ``note``: what the system's own service reported through the API, kept with
    the task whole (its note, and its error).
    """
    _attempt_failed(task, note if note is not None else error, final=True, note=note)


#: The answers a failed part takes: the system did its part after all.
LATE_ANSWERS = (client.DONE, client.NOT_FOUND)

#: The state a system's final answer settles its part in.
ANSWERED_STATE = {
    client.DONE: State.DONE,
    client.NOT_FOUND: State.NOT_APPLICABLE,
    client.FAILED: State.FAILED,
}


def answer_record(task: SystemTask, answer: client.Answer) -> str:
    """Record a system's answer (to a call or by callback); a settled task stays settled.

    An answer other than the one a settled part records (the part was settled as kept
    under a legal hold while the system, its call timed out, carried it out) is not
    recorded: "contradicted", with one ``connector.answer_refused`` event naming the
    part's state.

    A final answer (done, not found) on a part that failed, its retries having run
    out or the system having said it failed, is recorded as on a pending one, with
    one ``connector.answered_after_failure`` event: the system did its part after all.

    A final answer on a request that closed meanwhile (staff refused it) is not
    recorded: "closed", with one ``connector.answer_refused`` event naming the
    request's status. The erasure asked once a hold ended is carried on though its
    request closed, and recorded as any other.
    """
    with transaction.atomic():
        # The request first, as the workflow's transition locks it.
        request = RightsRequest.objects.select_for_update().get(pk=task.request_id)
        locked = SystemTask.objects.select_for_update().get(pk=task.pk)
        if locked.state != State.PENDING:
            if locked.settled and ANSWERED_STATE.get(answer.status, locked.state) != locked.state:
                # A part settled otherwise meanwhile (a hold kept it from being sent):
                # the system's word against the portal's record, for the privacy office.
                answer_refused(locked, request, answered=answer.status, task_state=locked.state)
                return "contradicted"
            late = locked.state == State.FAILED and answer.status in LATE_ANSWERS
            if not late:
                return "not due"
        if answer.status != client.ACCEPTED and not (
            SystemTask.objects.filter(SystemTask.carried_on(), pk=locked.pk).exists()
        ):
            answer_refused(locked, request, answered=answer.status)
            return "closed"
        now = timezone.now()
        if answer.status == client.ACCEPTED:
            locked.accepted_at = now
            locked.next_attempt_at = None
            locked.save(update_fields=["accepted_at", "next_attempt_at"])
            return "accepted"
        if answer.status == client.FAILED:
            locked.state = State.FAILED
            locked.last_error = answer.message or errors.COULD_NOT_DO_IT
            locked.save(update_fields=["state", "last_error"])
            return "failed"
        if locked.state == State.FAILED:
            answered_after_failure(locked, request, answered=answer.status)
        locked.state = State.DONE if answer.status == client.DONE else State.NOT_APPLICABLE
        locked.outcome = {"status": answer.status, "count": answer.count}
        if locked.state == State.DONE:
            held_data_erased(locked, kept=answer.kept)
        locked.last_error = ""
        locked.next_attempt_at = None
        settle(locked, now=now)
        return "done"


def answered_after_failure(task: SystemTask, request: RightsRequest, *, answered: str) -> None:
    """A system answers a part that failed (its retries ran out, or it said it
    failed): what it did is recorded, and the trail says the failure is over
    (``connector.answered_after_failure``, with the error staff saw)."""
    _answer_audit(
        "connector.answered_after_failure", task, request, answered, error=task.last_error
    )


def answer_refused(task: SystemTask, request: RightsRequest, *, answered: str, **via) -> None:
    """Record that a system's or a partner's answer was refused, its request being
    closed (``connector.answer_refused``, with the request's status)."""
    _answer_audit(
        "connector.answer_refused", task, request, answered, request_status=request.status, **via
    )


def _answer_audit(action: str, task: SystemTask, request: RightsRequest, answered: str, **more):
    audit_log(
        action=action,
        actor=None,
        target=request,
        subject=request.subject,
        details={"system": task.name, "operation": task.operation, "answered": answered, **more},
    )


def settle(locked: SystemTask, *, now, actor=None) -> None:
    """Save a task that has just been settled; finish the request if it was the last."""
    locked.settled_at = now
    locked.settled_by = actor
    locked.save()
    audit_log(
        action="connector.settled",
        actor=actor,
        target=locked.request,
        subject=locked.request.subject,
        details={"system": locked.name, "operation": locked.operation, "state": locked.state},
    )
    if not locked.request.system_tasks.exclude(state__in=SystemTask.SETTLED).exists():
        outbox.enqueue("rights.tasks.connectors_finish", locked.request_id)


def due_tasks(now=None) -> list[int]:
    """HTTP tasks whose next attempt has come."""
    now = now or timezone.now()
    return list(
        SystemTask.objects.filter(
            state=State.PENDING,
            mode=ExternalSystem.Mode.API,
            accepted_at__isnull=True,
        )
        .filter(SystemTask.carried_on(), _due_q(now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:DUE_BATCH]
    )


def run_due() -> dict[str, int]:
    """The beat job's work: attempt every due HTTP task once; count what happened."""
    counts: dict[str, int] = {}
    for task_id in due_tasks():
        result = attempt(task_id)
        counts[result] = counts.get(result, 0) + 1
    return counts


def task_retry(*, task: SystemTask, actor, http_request=None) -> None:
    """Staff: try a failed task again from the start (its attempts count anew).

    Raises ValidationError (a message for staff) when there is nothing to try: the
    task has not failed, or its request is no longer in progress (no call goes out
    for it any more, so the task would wait for ever).
    """
    with transaction.atomic():
        locked = SystemTask.objects.select_for_update().get(pk=task.pk)
        if locked.state != State.FAILED:
            raise ValidationError(
                _("Only a failed task can be tried again; this one is “%(state)s”.")
                % {"state": locked.get_state_display()}
            )
        if locked.follows_id is None and locked.request.status != Status.IN_PROGRESS:
            raise ValidationError(
                _("The request is no longer in progress, so nothing is sent any more.")
            )
        locked.state = State.PENDING
        locked.attempts = 0
        locked.next_attempt_at = None
        locked.accepted_at = None
        locked.save(update_fields=["state", "attempts", "next_attempt_at", "accepted_at"])
        audit_log(
            action="connector.retried",
            actor=actor,
            target=locked.request,
            subject=locked.request.subject,
            request=http_request,
            details={"system": locked.name, "operation": locked.operation},
        )
        if locked.mode == ExternalSystem.Mode.API:
            outbox.enqueue("rights.tasks.connector_call", locked.pk)


def request_finish(request_id: int) -> str:
    """Every task of the request is settled: let the request complete."""
    with transaction.atomic():
        from_db = SystemTask.objects.filter(request_id=request_id)
        if from_db.exclude(state__in=SystemTask.SETTLED).exists():
            return "waiting"
        held = (
            HeldDecision.objects.select_for_update()
            .select_related("request")
            .filter(request_id=request_id)
            .first()
        )
        if held is not None:
            if held.request.status == Status.IN_PROGRESS:
                # The notice says what the systems outside did, as a deletion's does.
                told = customer_text(held.request)
                workflow.transition(
                    held.request,
                    to=held.to,
                    actor=None,
                    reason="\n\n".join(part for part in (held.reason, told) if part),
                    ground=held.ground,
                    notice_extra={"outcome": held.outcome},
                )
            held.delete()
            return "decided"
    first = from_db.select_related("request").first()
    request = first.request if first is not None else None
    if request is not None and (request.kind, request.status) == (
        Kind.DELETION,
        Status.IN_PROGRESS,
    ):
        outbox.enqueue("rights.tasks.execute_deletion", request_id)
        return "deletion"
    return "nothing"
