"""Tasks travel through the real broker to a real worker (needs REDIS_URL)."""

import time

import pytest
from django.conf import settings
from django.core import mail

from portal.kernel.celery import app as celery_app
from portal.kernel.stepup import email_device_for
from tests.worker_support import wait_for

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no broker"),
]


def test_otp_mail_task_is_delivered_through_the_broker(worker, customer):
    device = email_device_for(customer)
    # Outside any transaction, delay_on_commit publishes at once to Redis.
    device.generate_challenge()
    device.refresh_from_db()
    assert wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the code"
    message = mail.outbox[0]
    assert message.to == [customer.email]
    assert device.token in message.body


def test_a_beat_job_sent_twice_for_one_period_through_the_broker_runs_once(worker):
    """Two beats' messages for the same period reach a real worker: one digest each."""
    import datetime as dt

    from celery.schedules import crontab
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from portal.kernel import jobs
    from portal.kernel.models import ScheduledRun
    from portal.kernel.roles import PRIVACY_OFFICER
    from portal.kernel.staff import staff_create
    from rights.models import RightsRequest
    from rights.services import request_submit
    from rights.tasks import escalate_overdue
    from tests.factories import ProfileFactory

    Group.objects.get_or_create(name=PRIVACY_OFFICER)  # flushed by an earlier test here
    officer = staff_create(email="po@example.com", password="x-Officer-2026")[0]
    customer = ProfileFactory().user
    late = request_submit(subject=customer, requester=customer, kind="disclosure")
    RightsRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    mail.outbox.clear()
    headers = jobs.beat_headers(
        "rights-escalate-overdue", crontab(hour=9, minute=30, app=celery_app), timezone.now()
    )
    for _ in range(2):
        escalate_overdue.apply_async(headers=headers)
    assert wait_for(lambda: ScheduledRun.objects.filter(finished_at__isnull=False).exists())
    time.sleep(2)  # the second message, if it did anything, would have mailed by now
    digests = [m for m in mail.outbox if m.to == [officer.email]]
    assert len(digests) == 1
    assert late.reference in digests[0].body
