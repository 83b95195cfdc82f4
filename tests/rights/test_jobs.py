"""Beat jobs: deadline reminders to assignees, daily escalation of overdue requests."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from rights.models import RightsRequest
from rights.services import requests_escalate_overdue, requests_remind_due_soon

pytestmark = pytest.mark.django_db


def test_assignee_is_reminded_three_days_before_once(officer, customer, file_request):
    request = file_request(customer)
    RightsRequest.objects.filter(pk=request.pk).update(
        assignee=officer, due_at=timezone.now() + dt.timedelta(days=2)
    )
    far = file_request(customer)
    RightsRequest.objects.filter(pk=far.pk).update(assignee=officer)
    mail.outbox.clear()
    assert requests_remind_due_soon() == 1
    assert requests_remind_due_soon() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [officer.email]
    assert request.reference in mail.outbox[0].subject


@pytest.mark.django_db(transaction=True)
def test_overdue_requests_are_escalated_to_privacy_officers(officer, customer, file_request):
    late = file_request(customer)
    RightsRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    file_request(customer)
    mail.outbox.clear()
    assert requests_escalate_overdue() == 1
    assert [m.to for m in mail.outbox] == [[officer.email]]
    assert late.reference in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_a_digest_run_repeated_after_a_crash_mails_no_officer_twice(
    officer, customer, file_request
):
    """A worker lost after the digest's messages committed but before its job was
    marked finished runs the job again: the day's messages are found, none is queued
    again, and each officer gets the day's digest once."""
    from portal.kernel.models import OutboxMessage

    late = file_request(customer)
    RightsRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    mail.outbox.clear()
    assert requests_escalate_overdue() == 1
    assert requests_escalate_overdue() == 1
    assert OutboxMessage.objects.filter(task_name="rights.tasks.mail_overdue_digest").count() == 1
    assert [m.to for m in mail.outbox] == [[officer.email]]
    # The next day is a new digest.
    assert requests_escalate_overdue(now=timezone.now() + dt.timedelta(days=1)) == 1
    assert [m.to for m in mail.outbox] == [[officer.email], [officer.email]]
