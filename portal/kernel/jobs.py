"""Scheduled jobs claim their period, so a second beat or a retried task changes nothing.

Every entry of ``CELERY_BEAT_SCHEDULE`` names a task on :class:`ScheduledJob`
(a system check says so). The beat runs :class:`ClaimingScheduler`, which
sends each job with two headers: the entry's name (the *job*) and the start
of the *period* of its schedule the send falls in, computed from the clock
at the send:

* an interval schedule (every N seconds): ``floor(now / N) * N`` since the
  Unix epoch, so every beat gets the same periods;
* a crontab: the latest time at or before now that the crontab names, in
  the schedule's time zone (the day's run for a daily job, the hour's for an
  hourly one, the Monday's for a weekly one).

Two beats, or one beat restarted with an old schedule file, send the same
(job, period) twice; a message that is redelivered or retried carries the
same pair again. The task claims the period by inserting a
:class:`~portal.kernel.models.ScheduledRun` row, unique per (job, period), in its
own transaction before it does any work, and marks it finished when the job
returns. The rule for a message that finds the row already there:

1. The claim is finished: do nothing. The period's work is done.
2. The claim is not finished and holds this message's task id: it is the
   same message again, after its worker was lost (late acknowledgement) or
   through a Celery retry. Run the job: it resumes. Every job picks its rows
   by what is still to do (the retention jobs in batches that each commit,
   the reminders by a mark set per request), so a rerun finishes the
   period's work and does not repeat what was done.
3. The claim is not finished and holds another task id: another message
   (the other beat's) is running the period, or was. Do nothing, unless the
   claim is older than ``BEAT_CLAIM_STALE_SECONDS`` (beyond the broker's
   visibility timeout: the first message is gone for good, e.g. lost with a
   crashed Redis); then take the claim over and run, as in 2.

So the claim is final once the job finished; until then only the message
that holds it (or, after the stale time, one that takes it over) may work on
the period. A job that raises keeps its unfinished claim; if nothing runs it
again in the period, the next period's run does the rest, since every job
works on what is due when it runs.

A job that raises also records it on the claim, for the scheduled runs page:
when, how many times in the period, and the error's class; the message only
of a :class:`JobError`, whose message names no personal data by contract (any
other error's text may quote a value, an address in a query, so only the
worker's log has it). A retry that then finishes the period finishes the same
claim and keeps that record, so staff see it finished after failing. A worker
killed mid-job (SIGKILL, a lost machine) records nothing: its claim reads as
not finished, as it is, until the message comes back and finishes it.

A task called without the headers (directly, from a command or a test) just
runs, unclaimed.

``BEAT_EVERY_SECONDS`` (tests and demonstrations only) runs every crontab job
every that many seconds instead, as an interval schedule, periods included.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping

from celery import Task
from celery.beat import PersistentScheduler
from celery.exceptions import Retry, TaskPredicate
from celery.schedules import crontab, maybe_schedule
from celery.schedules import schedule as interval_schedule
from django.conf import settings
from django.core import checks
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .celery import app
from .models import ScheduledRun

logger = logging.getLogger(__name__)

# The message headers the beat adds (they reach the task as request attributes).
JOB_HEADER = "beat_job"
PERIOD_HEADER = "beat_period"
# How long claims are kept: long after any message of their period could arrive.
KEEP = dt.timedelta(days=7)
# What a failed run keeps of its error (the column's length).
ERROR_LENGTH = 200
# A crontab is searched back this many days for its latest time (a yearly one fits).
_CRONTAB_SEARCH_DAYS = 400


#: What the outcome codes a job returns count ({"asked": 2}) are called on the
#: scheduled runs page; apps declare theirs with :func:`describe_outcomes`.
OUTCOME_LABELS: dict[str, str] = {}


def describe_outcomes(labels: dict) -> None:
    """Declare the labels (lazy translations) of the outcome codes an app's jobs return."""
    OUTCOME_LABELS.update(labels)


#: The names of the retention rules the retention jobs count by ({"usage-log": {...}}),
#: declared by the app that keeps the rules (:func:`describe_rules`).
_rule_names: Callable[[], Mapping[str, str]] | None = None


def describe_rules(names: Callable[[], Mapping[str, str]] | None) -> None:
    """Declare where the rules' names come from: ``names()`` returns each rule's name
    in the active language by its code (one query; called when a page shows counts
    by rule)."""
    global _rule_names
    _rule_names = names


def rule_names() -> Mapping[str, str]:
    """The retention rules' names by code, as declared; empty when no app declared them."""
    return _rule_names() if _rule_names is not None else {}


def period_start(schedule, now: dt.datetime) -> dt.datetime:
    """The start of the period of ``schedule`` that ``now`` falls in (aware, UTC).

    Interval schedules count periods from the Unix epoch; a crontab's period
    starts at its latest time at or before ``now``. Other schedules (solar)
    are refused, as the system check reports.
    """
    if isinstance(schedule, crontab):
        return _crontab_latest(schedule, now)
    if isinstance(schedule, interval_schedule):
        seconds = schedule.run_every.total_seconds()
        if seconds <= 0:
            raise ValueError("an interval schedule needs a positive period")
        start = (now.timestamp() // seconds) * seconds
        return dt.datetime.fromtimestamp(start, tz=dt.UTC)
    raise TypeError(f"no period for a {type(schedule).__name__} schedule")


def _crontab_latest(cron: crontab, now: dt.datetime) -> dt.datetime:
    local = now.astimezone(cron.tz)
    minutes = sorted(cron.minute)
    hours = sorted(cron.hour)
    for back in range(_CRONTAB_SEARCH_DAYS):
        day = local.date() - dt.timedelta(days=back)
        if (
            day.month not in cron.month_of_year
            or day.day not in cron.day_of_month
            # crontab counts weekdays from Sunday = 0
            or day.isoweekday() % 7 not in cron.day_of_week
        ):
            continue
        for hour in reversed(hours):
            for minute in reversed(minutes):
                if back == 0 and (hour, minute) > (local.hour, local.minute):
                    continue
                start = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=cron.tz)
                return start.astimezone(dt.UTC)
    raise ValueError(f"{cron} names no time in the last {_CRONTAB_SEARCH_DAYS} days")


def next_run(task: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the beat next sends ``task`` after ``now`` (aware, UTC), by the schedule in
    effect; None when no entry of ``CELERY_BEAT_SCHEDULE`` runs it. For staff who are
    told that a job will do something ("erased by the next run, at 02:30")."""
    now = now or timezone.now()
    entries = effective_schedule(getattr(settings, "CELERY_BEAT_SCHEDULE", {}))
    times = [
        _next_time(maybe_schedule(entry["schedule"]), now)
        for entry in entries.values()
        if entry.get("task") == task
    ]
    return min(times) if times else None


def _next_time(schedule, now: dt.datetime) -> dt.datetime:
    if isinstance(schedule, crontab):
        return _crontab_next(schedule, now)
    return period_start(schedule, now) + schedule.run_every


def _crontab_next(cron: crontab, now: dt.datetime) -> dt.datetime:
    """The earliest time after ``now`` that ``cron`` names (:func:`_crontab_latest`
    forward)."""
    local = now.astimezone(cron.tz)
    for ahead in range(_CRONTAB_SEARCH_DAYS):
        day = local.date() + dt.timedelta(days=ahead)
        if (
            day.month not in cron.month_of_year
            or day.day not in cron.day_of_month
            or day.isoweekday() % 7 not in cron.day_of_week
        ):
            continue
        for hour in sorted(cron.hour):
            for minute in sorted(cron.minute):
                if ahead == 0 and (hour, minute) <= (local.hour, local.minute):
                    continue
                start = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=cron.tz)
                return start.astimezone(dt.UTC)
    raise ValueError(f"{cron} names no time in the next {_CRONTAB_SEARCH_DAYS} days")


def claim(*, job: str, period: dt.datetime, task_id: str) -> ScheduledRun | None:
    """Claim ``period`` of ``job`` for the message ``task_id``; the claim, or None to do nothing.

    The insert commits on its own (a savepoint inside a caller's
    transaction) before the job starts. See the module docstring for the rule.
    """
    try:
        with transaction.atomic():
            return ScheduledRun.objects.create(job=job, period_start=period, task_id=task_id)
    except IntegrityError:
        pass
    run = ScheduledRun.objects.filter(job=job, period_start=period).first()
    if run is None or run.finished_at is not None:
        return None
    if run.task_id == task_id:
        logger.info("beat: %s %s resumed by its own message %s", job, period, task_id)
        return run
    stale = timezone.now() - dt.timedelta(seconds=settings.BEAT_CLAIM_STALE_SECONDS)
    if run.claimed_at >= stale:
        return None
    taken = ScheduledRun.objects.filter(
        pk=run.pk, task_id=run.task_id, finished_at__isnull=True
    ).update(task_id=task_id, claimed_at=timezone.now())
    if not taken:
        return None
    logger.warning("beat: %s %s taken over from %s by %s", job, period, run.task_id, task_id)
    run.refresh_from_db()
    return run


def finish(run: ScheduledRun, result=None) -> None:
    """Mark the run finished with what the job returned (its counts), shown to staff; a
    value JSON cannot hold is kept as its text."""
    try:
        json.dumps(result)
    except (TypeError, ValueError):
        result = str(result)
    ScheduledRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(
        finished_at=timezone.now(), result=result
    )


class JobError(Exception):
    """An error a scheduled job raises whose message names no personal data (ids,
    counts, rule codes): a run that fails with it keeps the message for staff."""


def failure_text(error: BaseException) -> str:
    """What a failed run keeps of ``error``: its class, with the message only for a
    :class:`JobError` (the project's own, worded without personal data)."""
    cls = type(error)
    name = (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )
    if isinstance(error, JobError) and str(error):
        name = f"{name}: {error}"
    return name if len(name) <= ERROR_LENGTH else name[: ERROR_LENGTH - 1] + "…"


def fail(run: ScheduledRun, error: BaseException) -> None:
    """Record on an unfinished run that its job raised ``error`` (see the module)."""
    ScheduledRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(
        failed_at=timezone.now(), failures=F("failures") + 1, error=failure_text(error)
    )


def purge(*, older_than: dt.timedelta = KEEP) -> int:
    """Delete claims of periods that started longer ago than ``older_than``."""
    cutoff = timezone.now() - older_than
    return ScheduledRun.objects.filter(period_start__lt=cutoff).delete()[0]


class ScheduledJob(Task):
    """Base of every beat job: claims the period the beat sent it for, then runs.

    A message for a period already claimed does nothing (returns None).
    """

    abstract = True

    def __call__(self, *args, **kwargs):
        job, period = _beat_headers(self.request)
        if job is None:
            return super().__call__(*args, **kwargs)
        run = claim(job=job, period=period, task_id=str(self.request.id))
        if run is None:
            logger.info("beat: %s for %s already claimed; nothing to do", job, period.isoformat())
            return None
        try:
            result = super().__call__(*args, **kwargs)
        except TaskPredicate as predicate:
            # Celery's retry (autoretry_for, self.retry) records the error behind it;
            # its Ignore and Reject are no failure of the job's.
            if isinstance(predicate, Retry) and isinstance(predicate.exc, BaseException):
                _record_failure(run, predicate.exc)
            raise
        except Exception as error:
            _record_failure(run, error)
            raise
        finish(run, result)
        return result

    @property
    def period(self) -> dt.datetime | None:
        """The period the running message was sent for (None when started by hand).

        For a job whose effects must be keyed by period, e.g. one message per
        officer and period that a rerun can find.
        """
        return _beat_headers(self.request)[1]


def _record_failure(run: ScheduledRun, error: BaseException) -> None:
    """:func:`fail`, never hiding the job's own error: with the database gone, the
    worker's log still has that one."""
    try:
        fail(run, error)
    except DatabaseError:
        logger.exception("beat: could not record the failure of %s", run)


def _beat_headers(request) -> tuple[str | None, dt.datetime | None]:
    headers = getattr(request, "headers", None) or {}
    job = getattr(request, JOB_HEADER, None) or headers.get(JOB_HEADER)
    period = getattr(request, PERIOD_HEADER, None) or headers.get(PERIOD_HEADER)
    if not job or not period:
        return None, None
    return str(job), dt.datetime.fromisoformat(period)


def beat_headers(name: str, schedule, now: dt.datetime) -> dict:
    """The headers the beat sends job ``name`` with at ``now``."""
    return {JOB_HEADER: name, PERIOD_HEADER: period_start(schedule, now).isoformat()}


def effective_schedule(entries: dict) -> dict:
    """``entries`` with crontabs replaced by ``BEAT_EVERY_SECONDS`` intervals when that is set."""
    every = getattr(settings, "BEAT_EVERY_SECONDS", 0)
    if not every:
        return entries
    return {
        name: {**entry, "schedule": dt.timedelta(seconds=every)}
        if isinstance(entry.get("schedule"), crontab)
        else entry
        for name, entry in entries.items()
    }


class ClaimingScheduler(PersistentScheduler):
    """The beat's scheduler: sends each job with its name and period (see the module)."""

    def merge_inplace(self, b):
        return super().merge_inplace(effective_schedule(b))

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        headers = {
            **(entry.options.get("headers") or {}),
            **beat_headers(entry.name, entry.schedule, timezone.now()),
        }
        entry.options = {**entry.options, "headers": headers}
        return super().apply_async(entry, producer=producer, advance=advance, **kwargs)


def check_beat_jobs(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every beat entry names a known task on ScheduledJob, with a schedule that has periods."""
    autodiscover_modules("tasks")  # what the worker's autodiscovery imports
    errors = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        task = app.tasks.get(entry.get("task"))
        if task is None:
            errors.append(
                checks.Error(
                    f"Beat job {name!r} names the unknown task {entry.get('task')!r}.",
                    id="portal.E001",
                )
            )
        elif not isinstance(task, ScheduledJob):
            errors.append(
                checks.Error(
                    f"Beat job {name!r}: task {task.name} does not claim its period.",
                    hint="Declare it with @shared_task(base=portal.kernel.jobs.ScheduledJob).",
                    id="portal.E002",
                )
            )
        schedule = maybe_schedule(entry.get("schedule"), app=app)
        if not isinstance(schedule, crontab | interval_schedule):
            errors.append(
                checks.Error(
                    f"Beat job {name!r} has a schedule without periods ({schedule!r}).",
                    hint="Use a number of seconds, a timedelta or a crontab.",
                    id="portal.E003",
                )
            )
    return errors
