"""Tasks travel through the real broker to a real worker (needs REDIS_URL)."""

import time

import pytest
from celery import shared_task
from celery.schedules import schedule
from django.conf import settings
from django.core import mail
from django.utils import timezone

from portal.kernel import jobs
from portal.kernel.celery import app as celery_app
from portal.kernel.models import ScheduledRun
from portal.kernel.stepup import email_device_for
from tests.worker_support import wait_for


@shared_task(
    base=jobs.ScheduledJob,
    bind=True,
    autoretry_for=(LookupError,),
    retry_backoff=False,
    default_retry_delay=0,
    max_retries=2,
    name="tests.flaky_beat_job",
)
def flaky_beat_job(self, failing: int) -> dict:
    """A beat job that raises (with personal data in the text) its first ``failing`` times."""
    if self.request.retries < failing:
        raise LookupError("no row for taro@example.com")
    return {"asked": 1}


def _send_flaky(failing: int) -> None:
    headers = jobs.beat_headers("flaky", schedule(60), timezone.now())
    flaky_beat_job.apply_async(args=[failing], headers=headers)


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


def test_a_beat_job_retried_by_the_worker_after_an_error_finishes_its_run(worker):
    """The job raises, Celery retries the same message, the retry succeeds: one run,
    finished, with the failure before it on record (class only: the text had an address)."""
    _send_flaky(failing=1)
    assert wait_for(lambda: ScheduledRun.objects.filter(finished_at__isnull=False).exists())
    run = ScheduledRun.objects.get()
    assert run.job == "flaky" and run.result == {"asked": 1}
    assert (run.failures, run.error) == (1, "LookupError")
    assert run.failed_at is not None and run.failed_at <= run.finished_at


def test_a_beat_job_that_fails_for_good_in_the_worker_reads_as_failed(worker):
    _send_flaky(failing=5)  # more than its two retries
    assert wait_for(lambda: ScheduledRun.objects.filter(failures=3).exists())
    time.sleep(1)  # no fourth attempt
    run = ScheduledRun.objects.get()
    assert (run.finished_at, run.failures, run.error) == (None, 3, "LookupError")
    assert "example.com" not in run.error
