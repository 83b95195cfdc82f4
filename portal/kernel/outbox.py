"""The transactional outbox: tasks queued in the same transaction as the change.

``enqueue(task, *args, **kwargs)`` replaces ``task.delay_on_commit(...)`` for
work that must not be lost (notices, account mail, e-mailed codes, erasures,
disclosure builds). It writes an :class:`~portal.kernel.models.OutboxMessage` in the
caller's transaction, so the message exists exactly when the change does, and
asks to publish it after the commit. When the broker is down that attempt
fails quietly: the user's action is committed and answered, the row waits,
and the beat job ``portal.kernel.tasks.outbox_drain`` publishes it once the broker
is back.

A message is done when its task has finished (``done_at``), not when the
broker took it. Redis keeps queued messages in memory only: killed with
messages queued (the worker busy or stopped), it comes back empty. So a
published message not done ``OUTBOX_REDELIVER_SECONDS`` after its
publication is published again by the drain, with the same Celery task id,
and again after twice that time, and so on (at most ``REDELIVER_MAX`` apart).
The timeout must be longer than the longest task normally runs, including its
retries, or a task still running is delivered a second time (harmless, but
wasted work).

Every task queued here therefore runs at most once per message however often
it is delivered; :func:`enqueue` refuses any other task. Its base is one of:

* :class:`OutboxTask`, for short tasks (mail, mostly): the body runs in a
  transaction holding the message's row lock and marks it done in that
  transaction; a second delivery waits for the first and does nothing.
* :class:`ResumableOutboxTask`, for long tasks (erasures, disclosure builds,
  notices that remember whom they mailed): a delivery of a done message does
  nothing; otherwise the body runs without a lock and the message is marked
  done when it returns. The body must be safe to run again, also while
  another delivery runs it, and resume what a crashed run left.

Mail is sent at least once, not at most once: a legal notice is better twice
than never. A task sends before the commit that records the send, so a run that
dies between the two (the worker killed, the database lost, the COMMIT itself
failing) leaves the mail unrecorded, and the next delivery sends it again. What
such a failure repeats is bounded: a short task mails one person, so at most that
one mail; the notice task, which mails several (``rights.notice_sending``), runs
each render and send in a savepoint and, on any error, not only the mail
server's, commits its record of the mails already sent before it raises, so only
a lost commit or a killed worker repeats them. Marketing mail
(``consent.marketing``) is the exception: claimed and committed before it is
sent, so at most once; an advertisement lost is better than one repeated.

Publishing locks the row (``SKIP LOCKED``), hands the message to the broker
with the row's ``task_id`` as the Celery task id and marks the row published
in the same transaction, so two workers draining at once, or a drain meeting
the after-commit attempt, never publish a row twice at once.

With no broker (the embedded default) the task runs in-process after the
commit, as ``delay_on_commit`` did.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from functools import partial

from celery import Task
from celery.exceptions import Retry
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .celery import app

# The module itself, not the package: the package's devices module imports this one.
from .models.outbox import OutboxMessage

logger = logging.getLogger(__name__)

# A fresh row is left to the after-commit attempt of the process that wrote it
# for this long before the drain takes it (it takes it only if that failed).
DRAIN_GRACE = dt.timedelta(seconds=10)
# Rows per drain transaction: each holds its rows' locks while it publishes
# them, one broker round trip each, so a batch stays well under a second.
DRAIN_BATCH_SIZE = 100
# After a failed attempt a row waits BACKOFF_BASE * 2**(attempts-1) seconds,
# at most BACKOFF_MAX, so a message the broker refuses does not hold up the rest.
BACKOFF_BASE = 5
BACKOFF_MAX = 300
# After a broker error this process skips the after-commit attempt for this
# many seconds: while the broker is down only one request per process waits
# for the connection timeout; the others answer at once and leave their rows
# to the drain.
BROKER_COOL_OFF = 10.0
# A message published again and still not done (its task fails every time)
# waits twice as long before each further publication, never longer than this:
# a broken task is tried about once a day, and shows in backlog() meanwhile.
REDELIVER_MAX = dt.timedelta(days=1)

_broker_down_until = 0.0


def enqueue(task, *args, **kwargs) -> OutboxMessage:
    """Queue ``task(*args, **kwargs)``: written now, published after the commit.

    Call it inside the transaction that makes the change the task follows
    from; outside one the row is written and published at once. Arguments
    must be JSON values, and should be ids: the task re-reads what it needs.
    ``task`` must run once per message (:class:`OutboxTask` or
    :class:`ResumableOutboxTask`), since a message may be delivered again.
    """
    task = _task(task)
    if not isinstance(task, OutboxTask):
        raise TypeError(
            f"{task.name} is not an OutboxTask: a message may be delivered more than once"
        )
    message = OutboxMessage.objects.create(
        task_name=task.name,
        args=list(args),
        kwargs=kwargs,
        next_attempt_at=timezone.now() + DRAIN_GRACE,
    )
    transaction.on_commit(partial(publish, message.pk))
    return message


def publish(message_id: int) -> bool:
    """Publish one message unless it is published or being published; True if it was.

    A broker error is logged and recorded on the row, never raised: the
    change it follows from is already committed.
    """
    if _eager():
        return _run_in_process(message_id)
    if time.monotonic() < _broker_down_until:
        return False
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, published_at__isnull=True)
            .first()
        )
        return message is not None and _publish_locked(message)


def drain() -> int:
    """Publish the messages that are due, oldest first; return how many.

    Due are messages not yet published whose (back-off) time has come, and
    published messages not done by their redelivery time. Several workers
    may drain at once: each batch locks its rows with ``SKIP LOCKED``, so
    they share the backlog instead of doubling it; a message whose short
    task is running holds its lock and is skipped. The first broker error
    ends the run (the broker is most likely down); the rows keep their place
    for the next run.
    """
    published = 0
    while True:
        with transaction.atomic():
            batch = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(done_at__isnull=True, next_attempt_at__lte=timezone.now())
                .order_by("next_attempt_at", "pk")[:DRAIN_BATCH_SIZE]
            )
            for message in batch:
                if message.published_at is not None:
                    logger.warning(
                        "outbox: %s %s published %s ago and not done; publishing it again",
                        message.task_name,
                        message.task_id,
                        timezone.now() - message.published_at,
                    )
                if not _publish_locked(message):
                    return published
                published += 1
        if len(batch) < DRAIN_BATCH_SIZE:
            return published


def purge(*, older_than: dt.timedelta, batch_size: int = 5000) -> int:
    """Delete messages done longer ago than ``older_than``; return how many.

    Batches of primary keys, one short transaction each. Messages not done
    are never deleted.
    """
    cutoff = timezone.now() - older_than
    deleted = 0
    while True:
        ids = list(
            OutboxMessage.objects.filter(done_at__lt=cutoff)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return deleted
        deleted += OutboxMessage.objects.filter(pk__in=ids).delete()[0]


def backlog() -> dict:
    """For operators: messages waiting to be published, and published but not done.

    ``waiting``/``oldest_seconds``: not yet taken by the broker (it is down,
    or refuses them). ``undone``/``oldest_undone_seconds``: taken, but their
    task has not finished; a few are normal (queued, running, retrying), many
    or old ones mean a stopped worker, a lost queue being redelivered, or a
    task that keeps failing. ``redelivered``: of those, published more than once.
    """
    # One pass over the messages not done (the partial index "outbox_not_done"
    # keeps that set as small as the backlog): /healthz asks on every probe.
    waiting, undone = Q(published_at__isnull=True), Q(published_at__isnull=False)
    found = OutboxMessage.objects.filter(done_at__isnull=True).aggregate(
        waiting=Count("pk", filter=waiting),
        oldest=Min("created_at", filter=waiting),
        undone=Count("pk", filter=undone),
        oldest_undone=Min("created_at", filter=undone),
        redelivered=Count("pk", filter=undone & Q(deliveries__gt=1)),
    )
    now = timezone.now()

    def age(moment) -> int:
        return int((now - moment).total_seconds()) if moment else 0

    return {
        "waiting": found["waiting"],
        "oldest_seconds": age(found["oldest"]),
        "undone": found["undone"],
        "oldest_undone_seconds": age(found["oldest_undone"]),
        "redelivered": found["redelivered"],
    }


def redeliver_after(deliveries: int) -> dt.timedelta:
    """How long after its ``deliveries``-th publication a message not done is published again."""
    timeout = dt.timedelta(seconds=settings.OUTBOX_REDELIVER_SECONDS)
    return min(timeout * 2 ** max(deliveries - 1, 0), max(REDELIVER_MAX, timeout))


class OutboxTask(Task):
    """Base for short tasks that must run once per message (mail, mostly).

    The body runs in a transaction holding the lock of the message it came
    from, and the message is marked done in that transaction. A second
    delivery of the same message (published again, or redelivered after a
    worker was lost after the body had finished) waits for the first and then
    does nothing. A body that fails rolls back and is retried with the same
    task id. Only for short tasks: the row stays locked while the body runs.
    Called directly or by a task id the outbox does not know, it just runs.
    """

    abstract = True

    def __call__(self, *args, **kwargs):
        message_id = _outbox_id(self.request.id)
        if message_id is None:
            return super().__call__(*args, **kwargs)
        with transaction.atomic():
            message = OutboxMessage.objects.select_for_update().filter(task_id=message_id).first()
            if message is None:
                return super().__call__(*args, **kwargs)
            if message.done_at is not None:
                logger.info("outbox: %s %s was already done", self.name, message.task_id)
                return None
            result = super().__call__(*args, **kwargs)
            if isinstance(result, Retry):
                return result  # retried in-process (apply): the retry finishes it
            message.done_at = timezone.now()
            message.save(update_fields=["done_at"])
        _mark_taken(message_id)
        return result


class ResumableOutboxTask(OutboxTask):
    """Base for long tasks queued through the outbox: skipped when done, marked done at the end.

    No lock is held while the body runs, so the body must be safe to run
    again and concurrently with itself (it re-reads what is still to do, and
    claims its work in the database), and resume what a crashed run left.
    A body that raises (and is retried, or given up) leaves the message not
    done; a body that returns, whatever it returns, marks it done.
    """

    abstract = True

    def __call__(self, *args, **kwargs):
        message_id = _outbox_id(self.request.id)
        if (
            message_id is not None
            and OutboxMessage.objects.filter(task_id=message_id, done_at__isnull=False).exists()
        ):
            logger.info("outbox: %s %s was already done", self.name, message_id)
            return None
        result = Task.__call__(self, *args, **kwargs)
        # A retry returned instead of raised (in-process, retry(throw=False))
        # leaves the message to the retry, as a raised one does.
        if message_id is not None and not isinstance(result, Retry):
            OutboxMessage.objects.filter(task_id=message_id, done_at__isnull=True).update(
                done_at=timezone.now()
            )
            _mark_taken(message_id)
        return result


def _mark_taken(message_id: uuid.UUID) -> None:
    """A message whose task ran was taken by the broker, even if its publisher saw an error.

    (A publish that timed out waiting for the broker's answer, as with a
    frozen Redis, may still have been delivered.)
    """
    OutboxMessage.objects.filter(task_id=message_id, published_at__isnull=True).update(
        published_at=timezone.now(), deliveries=F("deliveries") + 1
    )


def _task(task) -> Task:
    if isinstance(task, str):
        autodiscover_modules("tasks")
        return app.tasks[task]
    return task


def _outbox_id(task_id) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(task_id)) if task_id else None
    except ValueError:
        return None


def _eager() -> bool:
    return bool(app.conf.task_always_eager)


def _send(message: OutboxMessage) -> None:
    options = {
        "task_id": str(message.task_id),
        # The outbox is the retry: the drain tries again, so a web request
        # never waits on Celery's own publish retries.
        "retry": False,
    }
    task = app.tasks.get(message.task_name)
    if task is None:
        app.send_task(message.task_name, message.args, message.kwargs, **options)
    else:
        task.apply_async(message.args, message.kwargs, **options)


def _publish_locked(message: OutboxMessage) -> bool:
    """Publish a row the caller has locked and mark it; on failure note when to retry."""
    global _broker_down_until
    now = timezone.now()
    message.attempts += 1
    try:
        _send(message)
    except Exception as exc:  # whatever the broker client raises; the row keeps the work
        _broker_down_until = time.monotonic() + BROKER_COOL_OFF
        delay = min(BACKOFF_BASE * 2 ** (message.attempts - 1), BACKOFF_MAX)
        message.next_attempt_at = now + dt.timedelta(seconds=delay)
        message.last_error = f"{exc.__class__.__name__}: {exc}"[:255]
        message.save(update_fields=["attempts", "next_attempt_at", "last_error"])
        logger.warning(
            "outbox: %s %s not published (%s); retry after %ss",
            message.task_name,
            message.task_id,
            exc.__class__.__name__,
            delay,
        )
        return False
    message.published_at = now
    message.deliveries += 1
    message.next_attempt_at = now + redeliver_after(message.deliveries)
    message.last_error = ""
    message.save(
        update_fields=["attempts", "deliveries", "published_at", "next_attempt_at", "last_error"]
    )
    return True


def _run_in_process(message_id: int) -> bool:
    """No broker: mark the row published and run the task here, as eager Celery does."""
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(pk=message_id, published_at__isnull=True).update(
        published_at=now,
        attempts=F("attempts") + 1,
        deliveries=F("deliveries") + 1,
        next_attempt_at=now + redeliver_after(1),
    )
    if claimed:
        _send(OutboxMessage.objects.get(pk=message_id))
    return bool(claimed)
