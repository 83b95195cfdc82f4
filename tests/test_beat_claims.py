"""Beat jobs claim their period: a second beat, or a message sent again, changes nothing.

Issue 17, observation 6: with two beats the overdue digest went out twice per
officer per period and the retention jobs ran twice. tests/faults runs two
real beats for three periods; these tests drive the claim in-process.
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from celery.beat import ScheduleEntry
from celery.schedules import crontab, schedule
from django.core import mail
from django.utils import timezone

from portal.kernel import jobs
from portal.kernel.celery import app as celery_app
from portal.kernel.models import OutboxMessage, ScheduledRun
from portal.kernel.staff import staff_create
from rights.models import RightsRequest
from rights.retention.models import RetentionRun
from rights.services import request_submit
from rights.tasks import escalate_overdue, retention_sweep
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
DIGEST = "rights-escalate-overdue"


def tokyo(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TOKYO)


@pytest.fixture
def officers(db):
    return [
        staff_create(email=f"po{n}@example.com", password="x-Officer-2026")[0] for n in range(2)
    ]


@pytest.fixture
def overdue_request(db):
    customer = ProfileFactory(user__language="en").user
    request = request_submit(subject=customer, requester=customer, kind="disclosure")
    # Overdue at every moment these tests travel to, whatever day they run on.
    RightsRequest.objects.filter(pk=request.pk).update(due_at=tokyo(2026, 11, 1))
    return request


# The digest is mailed through the outbox after the commit of the job's transaction.
DIGEST_MAILED = pytest.mark.django_db(transaction=True)


def digests(officers) -> dict[str, int]:
    counts = {officer.email: 0 for officer in officers}
    for message in mail.outbox:
        if "overdue" in message.subject.lower() or "期限" in message.subject:
            for address in message.to:
                counts[address] = counts.get(address, 0) + 1
    return counts


def beat_send(task, job: str, sched, *, task_id: str | None = None):
    """What a beat does at this moment: send the job with its name and period."""
    return task.apply(headers=jobs.beat_headers(job, sched, timezone.now()), task_id=task_id)


# -- periods ---------------------------------------------------------------------------


def test_an_interval_job_has_periods_counted_from_the_epoch():
    every = schedule(dt.timedelta(seconds=10))
    start = jobs.period_start(every, dt.datetime(2026, 12, 3, 12, 0, 7, 500000, tzinfo=dt.UTC))
    assert start == dt.datetime(2026, 12, 3, 12, 0, 0, tzinfo=dt.UTC)
    assert jobs.period_start(every, start + dt.timedelta(seconds=9.99)) == start
    assert jobs.period_start(every, start + dt.timedelta(seconds=10)) == start + dt.timedelta(
        seconds=10
    )


@pytest.mark.parametrize(
    ("cron", "now", "expected"),
    [
        # daily at 03:00 (Tokyo): the day's run, or the day before's before 03:00
        (crontab(hour=3, minute=0), tokyo(2026, 12, 3, 3, 0, 1), tokyo(2026, 12, 3, 3, 0)),
        (crontab(hour=3, minute=0), tokyo(2026, 12, 3, 23, 59), tokyo(2026, 12, 3, 3, 0)),
        (crontab(hour=3, minute=0), tokyo(2026, 12, 3, 2, 59), tokyo(2026, 12, 2, 3, 0)),
        # hourly from 9 to 18: the hour's run; before 9, yesterday's last
        (crontab(minute=0, hour="9-18"), tokyo(2026, 12, 3, 12, 34), tokyo(2026, 12, 3, 12, 0)),
        (crontab(minute=0, hour="9-18"), tokyo(2026, 12, 3, 8, 0), tokyo(2026, 12, 2, 18, 0)),
        # weekly on Monday at 10:00 (2026-11-30 is a Monday)
        (
            crontab(day_of_week="mon", hour=10, minute=0),
            tokyo(2026, 12, 3, 9, 0),
            tokyo(2026, 11, 30, 10, 0),
        ),
    ],
)
def test_a_crontab_job_s_period_starts_at_its_latest_time(cron, now, expected):
    cron = crontab(
        minute=cron._orig_minute,
        hour=cron._orig_hour,
        day_of_week=cron._orig_day_of_week,
        app=celery_app,
    )
    assert jobs.period_start(cron, now) == expected


# -- claims ----------------------------------------------------------------------------


@DIGEST_MAILED
def test_two_beats_send_the_digest_once_per_officer_per_period(officers, overdue_request):
    """Observation 6: the second beat's message for the same day does nothing."""
    daily = crontab(hour=9, minute=30, app=celery_app)
    mail.outbox.clear()
    with time_machine.travel(tokyo(2026, 12, 3, 9, 30, 0, 100000)):
        beat_send(escalate_overdue, DIGEST, daily)
    with time_machine.travel(tokyo(2026, 12, 3, 9, 30, 0, 300000)):
        beat_send(escalate_overdue, DIGEST, daily)
    assert digests(officers) == {officer.email: 1 for officer in officers}
    # The next day is a new period: one more each.
    with time_machine.travel(tokyo(2026, 12, 4, 9, 30, 1)):
        beat_send(escalate_overdue, DIGEST, daily)
        beat_send(escalate_overdue, DIGEST, daily)
    assert digests(officers) == {officer.email: 2 for officer in officers}
    runs = ScheduledRun.objects.filter(job=DIGEST).order_by("period_start")
    assert [run.period_start for run in runs] == [
        tokyo(2026, 12, 3, 9, 30),
        tokyo(2026, 12, 4, 9, 30),
    ]
    assert all(run.finished_at is not None for run in runs)


def test_two_beats_run_the_retention_sweep_once_per_period():
    nightly = crontab(hour=3, minute=0, app=celery_app)
    with time_machine.travel(tokyo(2026, 12, 3, 3, 0, 1)):
        for _ in range(2):
            beat_send(retention_sweep, "rights-retention-sweep", nightly)
    assert RetentionRun.objects.filter(job=RetentionRun.Job.SWEEP).count() == 1


@DIGEST_MAILED
def test_the_same_message_again_after_a_crash_finishes_its_period(officers, overdue_request):
    """A worker lost mid-job: the redelivered message (same task id) runs the period again."""
    daily = crontab(hour=9, minute=30, app=celery_app)
    mail.outbox.clear()
    with time_machine.travel(tokyo(2026, 12, 3, 9, 30, 1)):
        # The first delivery claimed the period and died before finishing it.
        ScheduledRun.objects.create(
            job=DIGEST, period_start=tokyo(2026, 12, 3, 9, 30), task_id="first-delivery"
        )
        # The other beat's message finds the claim held: nothing.
        beat_send(escalate_overdue, DIGEST, daily, task_id="other-beat")
        assert digests(officers) == {officer.email: 0 for officer in officers}
        # The same message, delivered again, does the work and finishes the claim.
        beat_send(escalate_overdue, DIGEST, daily, task_id="first-delivery")
        assert digests(officers) == {officer.email: 1 for officer in officers}
        beat_send(escalate_overdue, DIGEST, daily, task_id="first-delivery")
    assert digests(officers) == {officer.email: 1 for officer in officers}
    assert ScheduledRun.objects.get(job=DIGEST).finished_at is not None


@DIGEST_MAILED
def test_a_claim_whose_message_was_lost_is_taken_over_after_the_stale_time(
    settings, officers, overdue_request
):
    settings.BEAT_CLAIM_STALE_SECONDS = 3600
    daily = crontab(hour=9, minute=30, app=celery_app)
    mail.outbox.clear()
    ScheduledRun.objects.create(
        job=DIGEST,
        period_start=tokyo(2026, 12, 3, 9, 30),
        task_id="lost-with-redis",
        claimed_at=tokyo(2026, 12, 3, 9, 30, 1),
    )
    with time_machine.travel(tokyo(2026, 12, 3, 10, 29)):
        beat_send(escalate_overdue, DIGEST, daily, task_id="late")
    assert digests(officers) == {officer.email: 0 for officer in officers}
    with time_machine.travel(tokyo(2026, 12, 3, 10, 31)):
        beat_send(escalate_overdue, DIGEST, daily, task_id="later")
        beat_send(escalate_overdue, DIGEST, daily, task_id="even-later")
    assert digests(officers) == {officer.email: 1 for officer in officers}
    run = ScheduledRun.objects.get(job=DIGEST)
    assert run.task_id == "later" and run.finished_at is not None


def test_a_job_that_fails_keeps_its_claim_open_for_its_retry(monkeypatch):
    nightly = crontab(hour=3, minute=0, app=celery_app)
    calls = []

    def sweep(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return RetentionRun(counts={})

    monkeypatch.setattr("rights.retention.jobs.run_sweep", sweep)
    with time_machine.travel(tokyo(2026, 12, 3, 3, 0, 1)):
        with pytest.raises(RuntimeError):
            beat_send(retention_sweep, "rights-retention-sweep", nightly, task_id="sweep-1")
        run = ScheduledRun.objects.get()
        assert run.finished_at is None
        beat_send(retention_sweep, "rights-retention-sweep", nightly, task_id="sweep-1")
        beat_send(retention_sweep, "rights-retention-sweep", nightly, task_id="other-beat")
    assert len(calls) == 2
    run.refresh_from_db()
    assert run.finished_at is not None


@DIGEST_MAILED
def test_a_job_started_by_hand_is_not_claimed(officers, overdue_request):
    mail.outbox.clear()
    escalate_overdue.apply()
    escalate_overdue.apply()
    # Unclaimed, it runs each time; the day's digest is still queued once per officer.
    assert digests(officers) == {officer.email: 1 for officer in officers}
    assert OutboxMessage.objects.filter(task_name="rights.tasks.mail_overdue_digest").count() == 2
    assert not ScheduledRun.objects.exists()


@DIGEST_MAILED
def test_the_beat_s_scheduler_sends_each_job_with_its_period(officers, overdue_request, tmp_path):
    """Two beats (two schedulers) send the same due entry: one digest per officer."""
    mail.outbox.clear()
    entry = ScheduleEntry(
        name=DIGEST,
        task=escalate_overdue.name,
        schedule=crontab(hour=9, minute=30, app=celery_app),
        app=celery_app,
    )
    with time_machine.travel(tokyo(2026, 12, 3, 9, 30, 0, 200000)):
        for n in range(2):
            scheduler = jobs.ClaimingScheduler(
                app=celery_app, lazy=True, schedule_filename=str(tmp_path / f"beat-{n}")
            )
            scheduler.apply_async(entry, advance=False)
    assert digests(officers) == {officer.email: 1 for officer in officers}
    assert ScheduledRun.objects.get().period_start == tokyo(2026, 12, 3, 9, 30)


def test_a_shortened_schedule_for_tests_turns_crontabs_into_intervals(settings):
    settings.BEAT_EVERY_SECONDS = 8
    entries = jobs.effective_schedule(settings.CELERY_BEAT_SCHEDULE)
    assert entries[DIGEST]["schedule"] == dt.timedelta(seconds=8)
    assert entries["outbox-drain"] == settings.CELERY_BEAT_SCHEDULE["outbox-drain"]


def test_old_claims_are_purged():
    now = timezone.now()
    ScheduledRun.objects.create(job="a", period_start=now - dt.timedelta(days=8), task_id="1")
    ScheduledRun.objects.create(job="a", period_start=now - dt.timedelta(days=6), task_id="2")
    assert jobs.purge() == 1
    assert list(ScheduledRun.objects.values_list("task_id", flat=True)) == ["2"]


def test_every_beat_job_claims_its_period(settings):
    assert jobs.check_beat_jobs() == []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        task = celery_app.tasks[entry["task"]]
        assert isinstance(task, jobs.ScheduledJob), name
    settings.CELERY_BEAT_SCHEDULE = {
        **settings.CELERY_BEAT_SCHEDULE,
        "unclaimed": {"task": "rights.tasks.send_request_code", "schedule": 60},
    }
    assert [error.id for error in jobs.check_beat_jobs()] == ["portal.E002"]


# -- failures --------------------------------------------------------------------------


def test_a_job_that_raises_records_on_its_run_when_and_what_failed(monkeypatch):
    """The runs page said only "not finished" for a failed job, "the worker's log says
    why": the run now keeps the time and the error's class. An error's text can carry
    personal data (a query with an address in it), so an unknown error keeps its class
    only."""
    nightly = crontab(hour=3, minute=0, app=celery_app)

    def sweep(**kwargs):
        raise ValueError("no such customer: taro@example.com")

    monkeypatch.setattr("rights.retention.jobs.run_sweep", sweep)
    with time_machine.travel(tokyo(2026, 12, 3, 3, 0, 1), tick=False), pytest.raises(ValueError):
        beat_send(retention_sweep, "rights-retention-sweep", nightly, task_id="sweep-1")
    run = ScheduledRun.objects.get()
    assert run.finished_at is None
    assert run.failed_at == tokyo(2026, 12, 3, 3, 0, 1)
    assert run.error == "ValueError"
    assert run.failures == 1
    assert "example.com" not in repr(
        ScheduledRun.objects.values_list("error", "result", "task_id").get()
    )


def test_a_project_error_that_names_no_personal_data_keeps_its_message(monkeypatch):
    nightly = crontab(hour=3, minute=0, app=celery_app)

    def sweep(**kwargs):
        raise jobs.JobError("audit chain broken at event 41")

    monkeypatch.setattr("rights.retention.jobs.run_sweep", sweep)
    with pytest.raises(jobs.JobError):
        beat_send(retention_sweep, "rights-retention-sweep", nightly, task_id="sweep-1")
    run = ScheduledRun.objects.get()
    assert run.error == "portal.kernel.jobs.JobError: audit chain broken at event 41"


def test_a_long_message_is_cut_short():
    assert len(jobs.failure_text(jobs.JobError("x" * 1000))) <= 200


def test_a_retry_that_succeeds_finishes_the_same_run_and_keeps_how_often_it_failed(
    monkeypatch,
):
    nightly = crontab(hour=3, minute=0, app=celery_app)
    calls = []

    def sweep(**kwargs):
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("database went away")
        return RetentionRun(counts={"usage-log": {"portal.usagerecord": 2}})

    monkeypatch.setattr("rights.retention.jobs.run_sweep", sweep)
    with time_machine.travel(tokyo(2026, 12, 3, 3, 0, 1)):
        for _ in range(2):
            with pytest.raises(RuntimeError):
                beat_send(retention_sweep, "rights-retention-sweep", nightly, task_id="sweep-1")
        assert ScheduledRun.objects.get().failures == 2
        beat_send(retention_sweep, "rights-retention-sweep", nightly, task_id="sweep-1")
    run = ScheduledRun.objects.get()
    assert run.finished_at is not None
    assert run.result == {"usage-log": {"portal.usagerecord": 2}}
    # Finished, and the failures before it stay on record.
    assert (run.failures, run.error) == (2, "RuntimeError")
    assert run.failed_at is not None
