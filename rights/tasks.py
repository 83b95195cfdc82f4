"""Celery entry points of the rights app: fetch by id, call a service.

Tasks queued through the outbox (portal.kernel.outbox) run once per message: the
short mail tasks on ``OutboxTask``, the long or self-resuming ones (notices
that remember whom they mailed, erasures, disclosure builds) on
``ResumableOutboxTask``. Beat jobs claim their period (portal.kernel.jobs).
"""

import logging
import math

from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from portal.kernel.codes import email_code_minutes
from portal.kernel.emails import send_templated_email
from portal.kernel.jobs import ScheduledJob
from portal.kernel.outbox import OutboxTask, ResumableOutboxTask
from portal.kernel.tasks import MAIL_RETRY

from .assignment_mail import assignment_mail_send, unassignment_mail_send
from .connectors import after_holds as connector_after_holds
from .connectors import dispatch as connector_dispatch
from .connectors import hold_notices as connector_hold_notices
from .connectors import notices as connector_notices
from .disclosure import services as disclosure_services
from .fees import payments_expire_unpaid
from .models import RightsRequest
from .notice_sending import notice_send
from .reminders import requests_remind_due_soon
from .requesters.agents import agent_link_expires_at, confirmation_token
from .requesters.models import EmailConfirmation, RequestIdentity, VerificationStatus
from .requesters.public_form import confirmation_code
from .requesters.refusal_mail import agent_refused_queue_readers, agent_refused_send
from .retention import deletion, ledger
from .retention import jobs as retention_jobs
from .services import overdue_digest_send, requests_escalate_overdue

logger = logging.getLogger(__name__)


@shared_task(base=ResumableOutboxTask, **MAIL_RETRY)
def send_request_notification(notification_id: int) -> None:
    """Mail a notice, after the earlier notices of its request not e-mailed yet
    (:func:`rights.notice_sending.notice_send`); a failed send is retried with back-off."""
    notice_send(notification_id=notification_id)


@shared_task(base=OutboxTask, **MAIL_RETRY)
def send_request_code(confirmation_id: int) -> None:
    """Mail the code of a public-form confirmation; the code is computed here, never queued.

    A mail sent late (a slow queue, a retry) states the minutes the code has left; an
    expired code is not mailed."""
    now = timezone.now()
    confirmation = EmailConfirmation.objects.filter(
        pk=confirmation_id, confirmed_at__isnull=True, expires_at__gt=now
    ).first()
    if confirmation is None:
        return
    left = math.ceil((confirmation.expires_at - now).total_seconds() / 60)
    send_templated_email(
        to=confirmation.email,
        template="request_code",
        context={
            "token": confirmation_code(confirmation),
            "valid_minutes": min(email_code_minutes(), left),
        },
        language=confirmation.language,
    )


@shared_task(base=OutboxTask, **MAIL_RETRY)
def send_agent_confirmation(identity_id: int) -> None:
    """Mail the person the link to confirm (or deny) the agent who filed in their name."""
    identity = (
        RequestIdentity.objects.select_related("request__subject")
        .filter(pk=identity_id, verification=VerificationStatus.PENDING)
        .exclude(confirmation_nonce="")
        .first()
    )
    if identity is None:
        return
    subject = identity.request.subject
    send_templated_email(
        to=identity.confirmation_email,
        template="agent_confirmation",
        context={
            "request": identity.request,
            "identity": identity,
            "expires_at": agent_link_expires_at(identity),
            "path": reverse(
                "identity:confirm_agent", kwargs={"token": confirmation_token(identity)}
            ),
        },
        language=subject.language if subject else identity.subject_language,
        # Every date of the mail in the request's zone, as its received day.
        time_zone=identity.request.zone,
    )


@shared_task(base=OutboxTask, **MAIL_RETRY)
def mail_agent_refused(*, request_id: int) -> int:
    """Queue the alert that the person refused the agent, one message per reader
    (queued by :func:`rights.requesters.agents.agent_confirmation_answer`)."""
    return agent_refused_queue_readers(request_id=request_id)


@shared_task(base=OutboxTask, **MAIL_RETRY)
def mail_agent_refused_to(*, request_id: int, reader_id: int | None) -> bool:
    """Tell one reader the person refused the agent (queued by :func:`mail_agent_refused`)."""
    return agent_refused_send(request_id=request_id, reader_id=reader_id)


@shared_task(base=ScheduledJob)
def remind_due_soon() -> int:
    return requests_remind_due_soon()


@shared_task(base=ScheduledJob, bind=True)
def escalate_overdue(self) -> int:
    return requests_escalate_overdue(period=self.period)


@shared_task(base=OutboxTask, **MAIL_RETRY)
def mail_overdue_digest(*, officer_id: int, period: str) -> None:
    """Mail one officer the day's digest (queued by :func:`escalate_overdue`)."""
    overdue_digest_send(officer_id=officer_id)


@shared_task(base=OutboxTask, **MAIL_RETRY)
def mail_assignment(*, assignee_id: int, actor_id: int | None, request_ids: list[int]) -> None:
    """Tell a member of staff the requests someone else assigned them (queued by
    :func:`rights.services.request_assign`)."""
    assignment_mail_send(assignee_id=assignee_id, actor_id=actor_id, request_ids=request_ids)


@shared_task(base=OutboxTask, **MAIL_RETRY)
def mail_unassignment(*, previous_id: int, actor_id: int | None, request_ids: list[int]) -> None:
    """Tell a member of staff the requests someone else took from them (queued by
    :func:`rights.services.request_assign`)."""
    unassignment_mail_send(previous_id=previous_id, actor_id=actor_id, request_ids=request_ids)


@shared_task(base=ScheduledJob)
def expire_unpaid_fees() -> int:
    return payments_expire_unpaid()


# -- retention: deletion requests and the scheduled jobs (rights.retention) ------------


@shared_task(
    base=ResumableOutboxTask,
    autoretry_for=(Exception,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=8,
)
def execute_deletion(request_id: int) -> None:
    """Queued when a deletion request enters "in progress"; a retry resumes the work."""
    request = RightsRequest.objects.filter(pk=request_id).first()
    if request is not None:
        deletion.deletion_execute(request=request)


def started_by(task: ScheduledJob) -> str:
    """Who started a retention job's message, as its run records it: "beat" when the
    message carries the beat's period, "hand" without it (``celery call``, ``.delay()``)."""
    return "beat" if task.period is not None else "hand"


@shared_task(base=ScheduledJob, bind=True)
def retention_deferred(self) -> dict:
    return retention_jobs.run_deferred(trigger=started_by(self)).counts


@shared_task(base=ScheduledJob, bind=True)
def retention_sweep(self) -> dict:
    return retention_jobs.run_sweep(trigger=started_by(self)).counts


@shared_task(base=ScheduledJob, bind=True)
def retention_purge(self) -> dict:
    return retention_jobs.run_purge(trigger=started_by(self)).counts


@shared_task(base=ScheduledJob)
def erasure_ledger_fill() -> int:
    """Append to the ledger file any committed ledger entry it lacks."""
    return ledger.ledger_file_fill()


# -- disclosures and notices of purposes (rights.disclosure) ------------------------------


# Five retries, after 1, 2, 4, 8 and 16 minutes (rights.disclosure.disclosure_services.retry_delay).
@shared_task(base=ResumableOutboxTask, bind=True, max_retries=5)
def build_disclosure(self, request_id: int) -> str:
    """Queued when a disclosure or notice of purposes for download enters "in progress".

    Retries with exponential back-off; after the last try the request shows
    staff the error and a retry button. A retry or a duplicate message finds
    the package already built and does nothing.
    """
    request = RightsRequest.objects.filter(pk=request_id).first()
    if request is None:
        return "missing"
    disclosure_services.build_attempt_started(request=request)
    try:
        package = disclosure_services.package_build(request=request)
    except Exception as error:
        final = self.request.retries >= self.max_retries
        disclosure_services.build_attempt_failed(request=request, error=error, final=final)
        if final:
            logger.exception("Disclosure package of request %s failed for good", request_id)
            return "failed"
        countdown = disclosure_services.retry_delay(self.request.retries)
        if self.request.is_eager:
            # In-process (the embedded default, tests): Celery's apply() runs the
            # returned retry at once instead of raising it into the caller.
            return self.retry(exc=error, countdown=countdown, throw=False)
        raise self.retry(exc=error, countdown=countdown) from error
    return "built" if package is not None else "nothing to build"


# -- systems outside this database (rights.connectors) -------------------------------


@shared_task(base=ResumableOutboxTask, bind=True, max_retries=None)
def connector_call(self, task_id: int) -> str:
    """Call an external system for its part in a request; retried with back-off.

    The beat job ``connectors_due`` attempts due tasks too, so a retry lost
    with the broker is not lost; each attempt claims the task first.
    """
    result = connector_dispatch.attempt(task_id)
    if result == "retry" and not self.request.is_eager:
        task = connector_dispatch.SystemTask.objects.get(pk=task_id)
        countdown = connector_dispatch.backoff(task.attempts)
        raise self.retry(countdown=countdown)
    return result


@shared_task(base=ResumableOutboxTask)
def connectors_finish(request_id: int) -> str:
    """Queued when a request's last external task is settled: the request completes."""
    return connector_dispatch.request_finish(request_id)


@shared_task(base=OutboxTask, **MAIL_RETRY)
def connector_mail(task_id: int) -> bool:
    return connector_notices.task_mail(task_id)


@shared_task(base=OutboxTask, **MAIL_RETRY)
def connector_remind(task_id: int) -> bool:
    return connector_notices.task_mail(task_id, reminder=True)


@shared_task(base=OutboxTask, **MAIL_RETRY)
def connector_escalate(task_id: int) -> int:
    return connector_notices.escalation_queue(task_id)


@shared_task(base=OutboxTask, **MAIL_RETRY)
def connector_escalate_to(task_id: int, officer_id: int) -> bool:
    return connector_notices.escalation_send(task_id, officer_id)


@shared_task(base=ResumableOutboxTask)
def connectors_hold_tell() -> int:
    """Queued with a new legal hold: tell the systems and partners already asked to
    erase what it keeps to keep it (each category once, so safe to run again)."""
    return connector_hold_notices.holds_tell()


@shared_task(base=OutboxTask, **MAIL_RETRY)
def connector_hold_notice(task_id: int, categories: list[str]) -> bool:
    return connector_hold_notices.notice_mail(task_id, categories)


@shared_task(base=ScheduledJob)
def connectors_due() -> dict:
    return connector_dispatch.run_due()


@shared_task(base=ScheduledJob)
def connectors_remind() -> dict:
    return connector_notices.remind_overdue()


@shared_task(base=ScheduledJob)
def connectors_after_holds() -> dict:
    """Daily: ask the systems outside to erase what a legal hold kept there, once it ended;
    and tell those already asked to erase what a hold whose first day came keeps."""
    counts = connector_after_holds.erase_after_holds()
    return {**counts, "told": connector_hold_notices.holds_tell()}
