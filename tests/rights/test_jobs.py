"""Beat jobs: deadline reminders to assignees, daily escalation of overdue requests."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from rights.models import RightsRequest
from rights.reminders import requests_remind_due_soon
from rights.services import requests_escalate_overdue

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


def test_a_reminder_the_mail_server_refuses_does_not_hold_back_the_others(
    officer, customer, file_request, monkeypatch
):
    """One assignee's address refused (mailbox gone, account still active) stopped the
    job at that request, every hour: no later request's assignee was reminded."""
    import smtplib

    from django.core.mail import EmailMultiAlternatives

    from tests.factories import UserFactory

    gone = UserFactory(is_staff=True, email="left@example.com")
    soon = timezone.now() + dt.timedelta(days=2)
    refused = file_request(customer)
    reminded = file_request(customer)
    RightsRequest.objects.filter(pk=refused.pk).update(assignee=gone, due_at=soon)
    RightsRequest.objects.filter(pk=reminded.pk).update(assignee=officer, due_at=soon)
    send = EmailMultiAlternatives.send

    def refuse_one(message, *args, **kwargs):
        if message.to == [gone.email]:
            raise smtplib.SMTPRecipientsRefused({gone.email: (550, b"no such mailbox")})
        return send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse_one)
    mail.outbox.clear()
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        requests_remind_due_soon()
    assert [m.to for m in mail.outbox] == [[officer.email]]
    assert reminded.reference in mail.outbox[0].subject
    # The refused one is tried again by the next run; the sent one is not repeated.
    assert RightsRequest.objects.get(pk=refused.pk).reminded_at is None
    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    assert requests_remind_due_soon() == 1
    assert [m.to for m in mail.outbox] == [[officer.email], [gone.email]]
