"""A request that goes "in progress" and closes in the same action does not tell the
person, after its final notice, that an answer is still to come (APPI art. 35(7),
GDPR art. 12(3): the person is told the outcome; the last word is the outcome)."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail

from rights import tasks, workflow
from rights.choices import Status
from rights.models import RequestNotification
from rights.retention.preview import erasure_preview, plan_confirm

from .retention_support import at, customer_with_records, file_deletion, litigation_hold

IN_PROGRESS = "In progress"
PARTLY_DONE = "partly completed"


def _deletion_under_hold(officer):
    """A deletion of the usage history, which a litigation hold keeps, in review."""
    customer = customer_with_records(invoices=[])
    request = file_deletion(customer, categories=["usage"])
    litigation_hold(officer, customer, categories=["usage"])
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    # The receipt and the review's notice went out long before (with no broker in a
    # test, their tasks have not run).
    for pending in request.notifications.filter(emailed_at__isnull=True).order_by("pk"):
        tasks.send_request_notification.run(pending.pk)
    return request


@pytest.mark.django_db(transaction=True)
def test_the_final_notice_is_the_last_mail_when_the_erasure_plan_closes_the_request(officer):
    """In-process (no broker): confirming the plan erases and closes the request at once."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        request = _deletion_under_hold(officer)
        mail.outbox.clear()
        plan_confirm(
            request=request, fingerprint=erasure_preview(request).fingerprint, actor=officer
        )
    request.refresh_from_db()
    assert request.status == Status.PARTIALLY_COMPLETED
    subjects = [sent.subject for sent in mail.outbox]
    assert len(subjects) == 1 and PARTLY_DONE in subjects[0], subjects
    stale = request.notifications.filter(kind="status_changed").last()
    assert stale.emailed_at is None and stale.context["superseded"] is True


@pytest.mark.django_db
def test_a_worker_that_takes_the_final_notice_first_drops_the_stale_in_progress_one(
    officer, django_capture_on_commit_callbacks
):
    """A real worker runs the queued tasks in any order: the erasure and its final
    notice may go before the "in progress" notice queued with the move."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        request = _deletion_under_hold(officer)
        with django_capture_on_commit_callbacks(execute=False):
            plan_confirm(
                request=request, fingerprint=erasure_preview(request).fingerprint, actor=officer
            )
        started = request.notifications.filter(kind="status_changed").last()
        with django_capture_on_commit_callbacks(execute=False):
            tasks.execute_deletion.run(request.pk)
        final = request.notifications.get(kind="partially_completed")
        mail.outbox.clear()
        tasks.send_request_notification.run(final.pk)
        tasks.send_request_notification.run(started.pk)
    assert [PARTLY_DONE in sent.subject for sent in mail.outbox] == [True]
    started.refresh_from_db()
    assert started.emailed_at is None


@pytest.mark.django_db
def test_an_in_progress_notice_mailed_before_the_request_closes_still_goes(
    officer, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 7, 1), tick=False):
        request = _deletion_under_hold(officer)
        with django_capture_on_commit_callbacks(execute=False):
            plan_confirm(
                request=request, fingerprint=erasure_preview(request).fingerprint, actor=officer
            )
        mail.outbox.clear()
        tasks.send_request_notification.run(
            request.notifications.filter(kind="status_changed").last().pk
        )
        with django_capture_on_commit_callbacks(execute=False):
            tasks.execute_deletion.run(request.pk)
        tasks.send_request_notification.run(
            request.notifications.get(kind="partially_completed").pk
        )
    subjects = [sent.subject for sent in mail.outbox]
    assert len(subjects) == 2
    assert IN_PROGRESS in subjects[0] and PARTLY_DONE in subjects[1]
    assert not RequestNotification.objects.filter(
        request=request, kind="partially_completed", emailed_at__isnull=True
    ).exists()
