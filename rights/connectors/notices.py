"""Tasks people answer: e-mails to a subcontractor's privacy contact, staff tasks.

An e-mail task mails the system's privacy contact what to do for whom and a
signed link; opening it they confirm "done" (or that they hold nothing about
the person), once. A staff task is confirmed on the request's page, with a
note and an optional evidence file. A task not answered by its due date is
reminded once; one still open ``answer_days`` later is escalated to the
privacy officers. Staff may record why a system cannot be reached or told
(GDPR art. 19: impossible or disproportionate effort), which settles it.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.kernel import outbox
from portal.kernel.audit import audit_log
from portal.kernel.emails import send_templated_email
from portal.kernel.registry import Category
from portal.kernel.roles import PRIVACY_OFFICER
from rights.models import RightsRequest
from rights.uploads import sealed

from .dispatch import (
    answer_refused,
    answered_after_failure,
    erasure_outside_holds,
    held_data_erased,
    settle,
    task_failed,
)
from .labels import system_labels
from .models import ExternalSystem, Operation, SystemTask

State = SystemTask.State
#: What a system's own service may report through the API, and the state it means.
REPORTED = {"done": State.DONE, "not_applicable": State.NOT_APPLICABLE, "failed": State.FAILED}
_SALT = "rights.connectors.confirm"


def confirmation_token(task: SystemTask) -> str:
    return signing.Signer(salt=_SALT).sign(str(task.key))


def confirmation_path(task: SystemTask) -> str:
    """The path of the link the privacy contact confirms the task with."""
    return reverse("connectors:confirm", kwargs={"token": confirmation_token(task)})


def task_for_token(token: str) -> SystemTask | None:
    """The e-mail task a confirmation link is for; None for a forged or unknown link."""
    try:
        key = signing.Signer(salt=_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return (
        SystemTask.objects.select_related("system", "request")
        .filter(key=key, mode=ExternalSystem.Mode.EMAIL)
        .first()
    )


def _changes(task: SystemTask) -> list[dict]:
    """The values a correction sets, each ``{"label", "value"}``: the item named as the
    customer's report names it (:mod:`.labels`; lazy, so in the mail's language), one
    list line each, where a label reads well whatever its case."""
    changes = task.instructions.get("changes") or []
    labels = system_labels(task.system, [change["field"] for change in changes])
    return [{"label": labels[change["field"]], "value": change["value"]} for change in changes]


def _mail_context(task: SystemTask) -> dict:
    return {
        "task": task,
        "system": task.system,
        "recipient": task.recipient,
        "reference": task.request.reference,
        "identifiers": task.identifiers,
        "instructions": task.instructions,
        "changes": _changes(task),
        "categories": [
            Category(code).label
            for code in task.instructions.get("categories") or []
            if code in Category.values
        ],
        "stop": task.stop(),
        "due_at": task.due_at,
        "path": confirmation_path(task),
    }


def task_mail(task_id: int, *, reminder: bool = False) -> bool:
    """Mail an e-mail task (or its reminder) to the privacy contact; True if sent."""
    task = (
        SystemTask.objects.select_related("system", "recipient", "request")
        .filter(pk=task_id, mode=ExternalSystem.Mode.EMAIL, state=State.PENDING)
        .first()
    )
    if task is None or task.system is None or not task.system.privacy_contact:
        return False
    if not reminder and task.emailed_at is not None:
        return False
    if task.operation == Operation.ERASE and not erasure_outside_holds(task):
        return False
    send_templated_email(
        to=task.system.privacy_contact,
        template="connector_task",
        context={**_mail_context(task), "reminder": reminder},
        language=contact_language(task.system),
    )
    field = "reminded_at" if reminder else "emailed_at"
    SystemTask.objects.filter(pk=task.pk).update(**{field: timezone.now()})
    return True


def contact_language(system: ExternalSystem) -> str:
    """Japanese, unless the system belongs to a recipient outside Japan."""
    recipient = system.recipient
    return "en" if recipient is not None and recipient.country != "JP" else "ja"


def still_asked(task: SystemTask) -> bool:
    """Whether the task's request still asks it of its system: the request is in
    progress, or the task is an erasure asked once a legal hold ended."""
    return SystemTask.objects.filter(SystemTask.carried_on(), pk=task.pk).exists()


def link_confirm(task: SystemTask, *, held_nothing: bool = False, note: str = "") -> str:
    """The privacy contact confirmed through the link: "recorded"; "answered" when it
    was already answered; "closed" when its request no longer asks it (refused or
    withdrawn since the e-mail went out): nothing is recorded but one
    ``connector.answer_refused`` event, as for a system's report through the API."""
    with transaction.atomic():
        # The request first, as the workflow's transition locks it.
        request = RightsRequest.objects.select_for_update().get(pk=task.request_id)
        locked = SystemTask.objects.select_for_update().get(pk=task.pk)
        if locked.state != State.PENDING:
            return "answered"
        if not still_asked(locked):
            answered = "not_applicable" if held_nothing else "done"
            answer_refused(locked, request, answered=answered, via="link")
            return "closed"
        locked.state = State.NOT_APPLICABLE if held_nothing else State.DONE
        locked.note = note.strip()[:2000]
        locked.outcome = {"confirmed_by": "link"}
        if locked.state == State.DONE:
            held_data_erased(locked)  # a hold placed since the e-mail went out
        settle(locked, now=timezone.now())
    return "recorded"


def _refuse_unless_asked(task: SystemTask, request: RightsRequest) -> None:
    """Refuse (a message for staff) to settle a part its request no longer asks: the
    request is not in progress (refused, withdrawn, done, or paused) and the part is not
    an erasure asked once a legal hold ended. As the API refuses a system's report."""
    if not still_asked(task):
        raise ValidationError(
            _(
                "The request is “%(status)s”: it asks nothing of this system now, "
                "and nothing was recorded."
            )
            % {"status": request.get_status_display()}
        )


def staff_confirm(*, task: SystemTask, actor, note: str, evidence=None, http_request=None) -> None:
    """Staff confirm a task done, with a note and an optional evidence file."""
    if not note.strip():
        raise ValidationError(_("Say what was done; the note is kept as evidence."))
    # Before the holds: their check would settle a part of a closed request.
    _refuse_unless_asked(task, RightsRequest.objects.get(pk=task.request_id))
    if task.mode == ExternalSystem.Mode.API:
        raise ValidationError(
            _("An HTTP connector answers for itself: retry it, or record why it cannot.")
        )
    # A staff task is carried out after this page was read: a hold placed since wins.
    # (A partner's e-mail went out with the holds checked; what it did is its answer.)
    staff_erasure = task.operation == Operation.ERASE and task.mode == ExternalSystem.Mode.MANUAL
    if staff_erasure and not erasure_outside_holds(task):
        raise ValidationError(
            _(
                "A legal hold keeps everything this task would erase: erase nothing. "
                "The task is settled as not applicable."
            )
        )
    task_settle(task, State.DONE, actor=actor, note=note, evidence=evidence)


def staff_impossible(*, task: SystemTask, actor, reason: str, http_request=None) -> None:
    """Staff record why the system could not act or be told (GDPR art. 19)."""
    if not reason.strip():
        raise ValidationError(
            _("Say why it is impossible or would involve disproportionate effort.")
        )
    task_settle(task, State.IMPOSSIBLE, actor=actor, note=reason)


def task_settle(task: SystemTask, state: str, *, actor, note: str, evidence=None, kept=()) -> None:
    """Settle a task someone answered for: staff, or (``actor`` None) the system's own service.

    An evidence file is stored encrypted, as every file of personal data is. A part
    its request no longer asks is refused (ValidationError), nothing recorded.
    """
    with transaction.atomic():
        # The request first, as the workflow's transition locks it: a confirmation and a
        # refusal at the same moment are taken one after the other.
        request = RightsRequest.objects.select_for_update().get(pk=task.request_id)
        locked = SystemTask.objects.select_for_update().get(pk=task.pk)
        if locked.settled:
            raise ValidationError(_("This task is already settled."))
        _refuse_unless_asked(locked, request)
        locked.state = state
        locked.note = note.strip()
        # A failure answered since is no longer shown to staff as the task's error.
        locked.last_error = ""
        locked.next_attempt_at = None
        if actor is None and state == State.DONE:
            held_data_erased(locked, kept=kept)  # the system's report: a hold placed since?
        if evidence is not None:
            with sealed(evidence) as encrypted:
                locked.evidence.save(evidence.name or "evidence", encrypted, save=False)
        settle(locked, now=timezone.now(), actor=actor)


class ReportConflict(Exception):
    """The task is already settled with another outcome than the one reported."""

    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


class RequestClosed(Exception):
    """The task's request is closed and asks nothing more of the system."""

    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


def system_report(*, task: SystemTask, outcome: str, note: str, kept=()) -> bool:
    """A system's own service reports its part through the API (docs/api.md).

    ``done`` and ``not_applicable`` settle the task as a staff confirmation does
    (the request completes once every system answered); ``failed`` is shown to
    staff as a failed call is. Returns False when the task already has this
    outcome (a repeat changes nothing, the report that closed the request
    included); raises :class:`RequestClosed` when the request is closed (refused,
    or done with what it asked) and the task is not an erasure asked once a hold
    ended, and :class:`ReportConflict` when the task is settled with another
    (recorded for the privacy office: ``connector.answer_refused``, as a callback's).
    A ``done`` on an erasure a hold placed since keeps part of is recorded, and the
    privacy office told (:func:`.dispatch.held_data_erased`), unless the system
    says it kept them (``kept``).
    """
    state = REPORTED[outcome]
    with transaction.atomic():
        # The request first, as the workflow's transition locks it: a report and a
        # refusal at the same moment are taken one after the other.
        request = RightsRequest.objects.select_for_update().get(pk=task.request_id)
        locked = SystemTask.objects.select_for_update().get(pk=task.pk)
        if locked.state == state:
            return False
        if not still_asked(locked):
            raise RequestClosed(request.status)
        if locked.settled:
            # The system's word against the portal's record (a hold settled the part
            # as kept): for the privacy office, as a callback contradicting it is.
            answer_refused(locked, request, answered=outcome, task_state=locked.state)
            conflict = locked.state
        elif state == State.FAILED:
            task_failed(locked, note.strip(), note=note.strip())
            return True
        else:
            if locked.state == State.FAILED:
                answered_after_failure(locked, request, answered=outcome)
            task_settle(locked, state, actor=None, note=note, kept=kept)
            return True
    raise ReportConflict(conflict)


def _officers():
    return get_user_model().objects.filter(
        is_active=True, is_staff=True, groups__name=PRIVACY_OFFICER
    )


def remind_overdue(now: dt.datetime | None = None) -> dict[str, int]:
    """Remind e-mail tasks past their due date once; escalate tasks a period later."""
    now = now or timezone.now()
    counts = {"reminded": 0, "escalated": 0}
    pending = (
        SystemTask.objects.filter(
            state=State.PENDING,
            due_at__lte=now,
            mode__in=(ExternalSystem.Mode.EMAIL, ExternalSystem.Mode.MANUAL),
        )
        .filter(SystemTask.carried_on())
        .select_related("system", "request")
    )
    for task in pending:
        if task.mode == ExternalSystem.Mode.EMAIL and task.reminded_at is None:
            with transaction.atomic():
                if SystemTask.objects.filter(pk=task.pk, reminded_at__isnull=True).update(
                    reminded_at=now
                ):
                    outbox.enqueue("rights.tasks.connector_remind", task.pk)
                    counts["reminded"] += 1
            continue
        period = dt.timedelta(days=task.system.answer_days if task.system else 7)
        since = task.reminded_at or task.due_at
        if (
            task.escalated_at is None
            and since + (period if task.mode == ExternalSystem.Mode.EMAIL else dt.timedelta(0))
            <= now
        ):
            with transaction.atomic():
                if SystemTask.objects.filter(pk=task.pk, escalated_at__isnull=True).update(
                    escalated_at=now
                ):
                    outbox.enqueue("rights.tasks.connector_escalate", task.pk)
                    counts["escalated"] += 1
    return counts


ESCALATE_TO_TASK = "rights.tasks.connector_escalate_to"


def escalation_queue(task_id: int) -> int:
    """Queue the alert that a system has not answered, one message per privacy officer;
    how many. Runs in the transaction of the escalation's message (``OutboxTask``),
    which is marked done with them: each officer's alert is mailed once, and a send that
    fails is retried for its officer alone, never mailing again those already told."""
    task = SystemTask.objects.select_related("request").filter(pk=task_id).first()
    if task is None or task.settled:
        return 0
    officer_ids = list(_officers().order_by("pk").values_list("pk", flat=True))
    for officer_id in officer_ids:
        outbox.enqueue(ESCALATE_TO_TASK, task_id, officer_id)
    audit_log(
        action="connector.escalated",
        target=task.request,
        subject=task.request.subject,
        details={"system": task.name, "officers": len(officer_ids)},
    )
    return len(officer_ids)


def escalation_send(task_id: int, officer_id: int) -> bool:
    """Mail one privacy officer that a system has not answered, unless it has since or the
    officer left the role; True if mailed."""
    task = SystemTask.objects.select_related("system", "request").filter(pk=task_id).first()
    officer = _officers().filter(pk=officer_id).first()
    if task is None or task.settled or officer is None:
        return False
    send_templated_email(
        to=officer.email,
        template="connector_overdue",
        context={
            "task": task,
            "reference": task.request.reference,
            "path": reverse("admin:rights_rightsrequest_change", args=[task.request_id]),
        },
        language=officer.language,
        time_zone=officer.time_zone,
    )
    return True
