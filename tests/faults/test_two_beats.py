"""Two beats running for three periods: each job's visible effect once per period.

Issue 17, observation 6 and acceptance 2. Two real ``celery beat`` processes
(a second one started by mistake, or an old one left running after a
deploy) send every job; their crontab schedules are shortened to
``BEAT_EVERY_SECONDS`` so that a period takes seconds. Each job claims its
period (portal.kernel.jobs), so the overdue digest reaches each officer once per
period and each retention job records one run per period.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter

from django.db.models import Count
from django.utils import timezone

from portal.kernel.models import ScheduledRun
from portal.kernel.staff import staff_create
from rights.models import RightsRequest
from rights.retention.models import RetentionRun
from rights.services import request_submit
from tests.factories import ProfileFactory

from .conftest import read_mail, report, wait_for

EVERY = 8  # seconds per period of every crontab job
PERIODS = 3
DIGEST = "rights-escalate-overdue"
RETENTION = {
    "rights-retention-sweep": RetentionRun.Job.SWEEP,
    "rights-retention-deferred": RetentionRun.Job.DEFERRED,
    "rights-retention-purge": RetentionRun.Job.PURGE,
}


def finished(job: str) -> int:
    return ScheduledRun.objects.filter(job=job, finished_at__isnull=False).count()


def sends(log: str, job: str) -> int:
    return len(re.findall(rf"Sending due task {re.escape(job)} ", log))


def test_two_beats_for_three_periods_do_each_job_once_per_period(processes, mail_dir):
    officers = [
        staff_create(email=f"po{n}@example.com", password="x-Officer-2026")[0] for n in range(2)
    ]
    customer = ProfileFactory(user__language="en").user
    late = request_submit(subject=customer, requester=customer, kind="disclosure")
    RightsRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=2))

    processes.start_worker()
    env = {"BEAT_EVERY_SECONDS": str(EVERY)}
    processes.start_beat("beat-a", **env)
    processes.start_beat("beat-b", **env)
    wait_for(
        lambda: finished(DIGEST) >= PERIODS and all(finished(j) >= PERIODS for j in RETENTION),
        timeout=(PERIODS + 4) * EVERY * 3,
        what=f"{PERIODS} periods of the digest and the retention jobs",
    )
    processes.kill("beat-a")
    processes.kill("beat-b")
    # What the beats sent last is carried out, or found claimed.
    wait_for(
        lambda: not ScheduledRun.objects.filter(finished_at__isnull=True).exists(),
        timeout=60,
        what="the worker to finish the last period",
    )
    time.sleep(3)

    periods = finished(DIGEST)
    assert periods >= PERIODS
    # Both beats sent the digest in (nearly) every period: without the claim it
    # would have gone out about twice as often.
    sent = sends(processes.log("beat-a"), DIGEST) + sends(processes.log("beat-b"), DIGEST)
    assert sent >= 2 * periods - 2, sent

    digests = Counter(
        str(message["To"])
        for message in read_mail(mail_dir)
        if late.reference in message.get_content()
    )
    assert digests == Counter({officer.email: periods for officer in officers})

    runs = dict(
        RetentionRun.objects.filter(dry_run=False)
        .values_list("job")
        .annotate(n=Count("pk"))
        .values_list("job", "n")
    )
    for entry, job in RETENTION.items():
        assert runs.get(job, 0) == finished(entry) >= PERIODS, (entry, runs)
    # Every claim is for a distinct period of its job (the unique constraint).
    per_period = ScheduledRun.objects.values("job", "period_start").annotate(n=Count("pk"))
    assert {row["n"] for row in per_period} == {1}

    report(
        f"Two beats, {EVERY} s periods: digest sent {sent} times by the beats over {periods} "
        f"periods, mailed {periods} times to each of {len(officers)} officers; retention runs "
        + ", ".join(f"{job} {runs.get(job, 0)}" for job in RETENTION.values())
        + f" for {', '.join(str(finished(e)) for e in RETENTION)} claimed periods"
    )
