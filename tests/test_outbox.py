"""The transactional outbox: tasks are written with the change, published after it.

The broker is replaced by a failing ``portal.kernel.outbox._send`` where a test needs
it to be down; tests/faults stops a real Redis under a real worker.
"""

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from portal.kernel import outbox
from portal.kernel.celery import app as celery_app
from portal.kernel.models import OutboxMessage
from portal.kernel.stepup import email_device_for
from portal.kernel.tasks import send_otp_email, send_verification_email
from rights import workflow
from rights.choices import Status
from rights.models import RequestNotification, RightsRequest
from rights.services import request_submit
from rights.tasks import send_request_notification
from tests.factories import ProfileFactory
from tests.intake_support import file_through_review

pytestmark = pytest.mark.django_db


def _refused(message):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.fixture
def customer(db):
    """A customer who reads English, so the notices' subject lines read as below."""
    return ProfileFactory(user__language="en").user


@pytest.fixture
def officer_user(db):
    from portal.kernel.staff import staff_create

    user, _device, _password = staff_create(email="po@example.com", password="x-Officer-2026")
    return user


class Broker:
    """Switches publishing between failing as when Redis refuses connections, and working."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch

    def down(self):
        celery_app.conf.task_always_eager = False
        self.monkeypatch.setattr(outbox, "_send", _refused)
        outbox._broker_down_until = 0.0

    def back(self):
        """Tasks run in-process again, as in the rest of the suite."""
        celery_app.conf.task_always_eager = True
        self.monkeypatch.setattr(outbox, "_send", _send)
        outbox._broker_down_until = 0.0


_send = outbox._send


@pytest.fixture
def broker(monkeypatch):
    broker = Broker(monkeypatch)
    broker.down()
    yield broker
    broker.back()


def test_the_message_is_written_in_the_same_transaction_as_the_change(
    customer, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        request_submit(subject=customer, requester=customer, kind="disclosure")
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("the change fails after the notice was queued")
    assert not RightsRequest.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_a_filed_request_publishes_its_notice_after_commit(
    customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(subject=customer, requester=customer, kind="disclosure")
    notification = RequestNotification.objects.get(request=request)
    message = OutboxMessage.objects.get()
    assert message.task_name == send_request_notification.name
    assert message.args == [notification.pk]
    assert message.published_at is not None and message.attempts == 1
    assert [m.subject for m in mail.outbox] == [f"We received your request {request.reference}"]


def test_a_request_filed_while_the_broker_is_down_succeeds_and_is_mailed_when_it_is_back(
    stepped_up_client, customer, broker, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = file_through_review(
            stepped_up_client,
            "/requests/new/disclosure/",
            {"delivery_method": "electronic", "details": "All"},
        )
    request = RightsRequest.objects.get(subject=customer)
    assert response.status_code == 302 and response.url == f"/requests/{request.pk}/"
    message = OutboxMessage.objects.get(task_name=send_request_notification.name)
    assert message.published_at is None and message.attempts == 1
    assert message.last_error.startswith("OperationalError")
    assert mail.outbox == []

    broker.back()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):
        assert outbox.drain() == 1
        assert outbox.drain() == 0
    message.refresh_from_db()
    assert message.published_at is not None and message.attempts == 2
    assert [m.subject for m in mail.outbox] == [f"We received your request {request.reference}"]
    assert RequestNotification.objects.get(request=request).emailed_at is not None


def test_a_transition_made_while_the_broker_is_down_succeeds(
    officer_user, customer, broker, django_capture_on_commit_callbacks
):
    request = request_submit(subject=customer, requester=customer, kind="disclosure")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(
            request, to=Status.REJECTED, actor=officer_user, reason="No such data", ground="other"
        )
    request.refresh_from_db()
    assert request.status == Status.REJECTED
    assert OutboxMessage.objects.filter(published_at__isnull=True).count() == 2
    broker.back()
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):
        assert outbox.drain() == 2
    assert sorted(m.subject for m in mail.outbox) == sorted(
        [
            f"We received your request {request.reference}",
            f"We cannot comply with request {request.reference}",
        ]
    )


def test_after_a_broker_error_the_process_does_not_wait_on_the_broker_again_at_once(
    customer, broker, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []

    def refused(message):
        calls.append(message.pk)
        _refused(message)

    monkeypatch.setattr(outbox, "_send", refused)
    with django_capture_on_commit_callbacks(execute=True):
        request_submit(subject=customer, requester=customer, kind="disclosure")
    with django_capture_on_commit_callbacks(execute=True):
        request_submit(subject=customer, requester=customer, kind="correction")
    assert len(calls) == 1, "the second request waited on the broker again"
    assert OutboxMessage.objects.filter(published_at__isnull=True).count() == 2


def test_a_failed_message_backs_off_before_the_drain_tries_again(customer, broker):
    message = outbox.enqueue(send_verification_email, customer.pk)
    outbox.publish(message.pk)
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.next_attempt_at - timezone.now() == pytest.approx(
        dt.timedelta(seconds=outbox.BACKOFF_BASE), abs=dt.timedelta(seconds=1)
    )
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=outbox.BACKOFF_BASE + 1)):
        assert outbox.drain() == 0  # still down: the first error ends the run
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.next_attempt_at - timezone.now() > dt.timedelta(seconds=2 * outbox.BACKOFF_BASE)
    # Nothing due: the drain does not touch the broker at all.
    assert outbox.drain() == 0
    message.refresh_from_db()
    assert message.attempts == 2


def test_the_drain_leaves_a_fresh_message_to_its_after_commit_attempt(customer, monkeypatch):
    published = []
    monkeypatch.setattr(outbox, "_send", lambda message: published.append(message.pk))
    with transaction.atomic():
        outbox.enqueue(send_verification_email, customer.pk)
        # (in a test transaction the after-commit attempt never comes)
    assert outbox.drain() == 0
    with time_machine.travel(timezone.now() + outbox.DRAIN_GRACE + dt.timedelta(seconds=1)):
        assert outbox.drain() == 1
    assert len(published) == 1


@pytest.mark.django_db(transaction=True)
def test_several_workers_draining_at_once_publish_every_message_exactly_once(monkeypatch):
    """Three drains in parallel threads share 250 messages: none lost, none twice."""
    user = ProfileFactory().user
    past = timezone.now() - dt.timedelta(minutes=1)
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                task_name=send_verification_email.name, args=[user.pk], next_attempt_at=past
            )
            for _ in range(250)
        ]
    )
    published = []
    lock = threading.Lock()

    def slow_send(message):
        time.sleep(0.002)  # a broker round trip, so the drains overlap
        with lock:
            published.append(message.task_id)

    monkeypatch.setattr(outbox, "_send", slow_send)
    counts = []

    def run():
        try:
            counts.append(outbox.drain())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 250
    assert len(published) == len(set(published)) == 250
    assert not OutboxMessage.objects.filter(published_at__isnull=True).exists()


def test_a_mail_task_delivered_twice_mails_once(customer):
    """A message the broker hands out twice (redelivery after a lost worker) mails once."""
    customer.email_verified_at = None
    customer.save(update_fields=["email_verified_at"])
    message = outbox.enqueue(send_verification_email, customer.pk)
    mail.outbox.clear()
    for _ in range(2):
        send_verification_email.apply_async(message.args, task_id=str(message.task_id))
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.done_at is not None


def test_a_mail_task_that_failed_is_done_by_its_retry(customer, monkeypatch):
    customer.email_verified_at = None
    customer.save(update_fields=["email_verified_at"])
    message = outbox.enqueue(send_verification_email, customer.pk)
    mail.outbox.clear()

    def smtp_down(self, fail_silently=False):
        raise ConnectionRefusedError("smtp down")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMessage.send", smtp_down)
        with pytest.raises(ConnectionRefusedError):
            send_verification_email.apply(
                message.args, task_id=str(message.task_id), throw=True, retries=8
            )
    message.refresh_from_db()
    assert message.done_at is None
    send_verification_email.apply_async(message.args, task_id=str(message.task_id))
    sent = [m for m in mail.outbox if m.to == [customer.email]]
    assert len(sent) == 1


def test_a_code_queued_while_the_broker_was_down_is_not_mailed_once_expired(customer):
    device = email_device_for(customer)
    with transaction.atomic():
        device.generate_challenge()
        message = OutboxMessage.objects.get(task_name="portal.tasks.send_otp_email")
    mail.outbox.clear()
    device.refresh_from_db()
    with time_machine.travel(device.valid_until + dt.timedelta(seconds=1)):
        outbox.drain()
    message.refresh_from_db()
    assert message.published_at is not None
    assert mail.outbox == []


def test_purge_deletes_only_messages_done_long_ago(customer):
    now = timezone.now()
    old = outbox.enqueue(send_verification_email, customer.pk)
    recent = outbox.enqueue(send_verification_email, customer.pk)
    undone = outbox.enqueue(send_verification_email, customer.pk)
    waiting = outbox.enqueue(send_verification_email, customer.pk)
    OutboxMessage.objects.filter(pk=old.pk).update(
        published_at=now - dt.timedelta(days=9), done_at=now - dt.timedelta(days=8)
    )
    OutboxMessage.objects.filter(pk=recent.pk).update(
        published_at=now - dt.timedelta(days=6), done_at=now - dt.timedelta(days=6)
    )
    # Published long ago but its task never finished: still work to do.
    OutboxMessage.objects.filter(pk=undone.pk).update(
        created_at=now - dt.timedelta(days=20), published_at=now - dt.timedelta(days=20)
    )
    OutboxMessage.objects.filter(pk=waiting.pk).update(created_at=now - dt.timedelta(days=30))
    assert outbox.purge(older_than=dt.timedelta(days=7)) == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {
        recent.pk,
        undone.pk,
        waiting.pk,
    }
    assert outbox.backlog() == {
        "waiting": 1,
        "oldest_seconds": 30 * 24 * 3600,
        "undone": 1,
        "oldest_undone_seconds": 20 * 24 * 3600,
        "redelivered": 0,
    }


def test_the_drain_runs_on_the_beat():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["outbox-drain"]
    assert entry["task"] == "portal.tasks.outbox_drain"
    assert entry["schedule"] <= 30
    assert "portal.tasks.outbox_drain" in celery_app.tasks


def test_no_task_waits_to_retry_longer_than_the_visibility_timeout():
    """Redis redelivers an unacknowledged task after the visibility timeout.

    A task waiting for a retry countdown longer than that would run twice.
    """
    from django.conf import settings

    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    celery_app.loader.import_default_modules()
    for name, task in celery_app.tasks.items():
        if name.startswith("celery."):
            continue
        assert task.acks_late, name
        backoff = getattr(task, "retry_backoff", False)
        longest = max(
            getattr(task, "retry_backoff_max", 0) if backoff else 0,
            task.default_retry_delay or 0,
        )
        assert longest < timeout, name


def test_operators_see_the_backlog_and_can_drain_it_by_hand(customer, broker):
    from io import StringIO

    from django.core.management import call_command

    message = outbox.enqueue(send_verification_email, customer.pk)
    outbox.publish(message.pk)
    out = StringIO()
    call_command("outbox", stdout=out)
    assert "Waiting: 1 message(s)" in out.getvalue()
    broker.back()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):
        call_command("outbox", "--drain", stdout=out)
    assert "Published 1 message(s)." in out.getvalue()
    assert "Waiting: 0 message(s)" in out.getvalue()


# -- done when the task has finished, not when the broker took it (issue 17) -------------


@pytest.fixture
def recording_broker(monkeypatch):
    """The broker takes every message and runs none of them, as a Redis that is then lost."""
    sent = []
    celery_app.conf.task_always_eager = False
    monkeypatch.setattr(outbox, "_send", lambda message: sent.append(str(message.task_id)))
    outbox._broker_down_until = 0.0
    yield sent
    celery_app.conf.task_always_eager = True


def test_a_message_published_but_never_done_is_published_again_with_the_same_task_id(
    customer, recording_broker, settings, django_capture_on_commit_callbacks
):
    """Redis killed with the message queued: after the timeout the drain publishes it again."""
    settings.OUTBOX_REDELIVER_SECONDS = 600
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(send_verification_email, customer.pk)
    message.refresh_from_db()
    published = message.published_at
    assert recording_broker == [str(message.task_id)]
    assert outbox.backlog()["undone"] == 1

    with time_machine.travel(published + dt.timedelta(seconds=599)):
        assert outbox.drain() == 0
    with time_machine.travel(published + dt.timedelta(seconds=601)):
        assert outbox.drain() == 1
        assert outbox.drain() == 0
    assert recording_broker == [str(message.task_id)] * 2
    message.refresh_from_db()
    assert message.deliveries == 2 and message.done_at is None
    # Still not done: the next publication waits twice as long.
    again = message.published_at
    with time_machine.travel(again + dt.timedelta(seconds=1199)):
        assert outbox.drain() == 0
    with time_machine.travel(again + dt.timedelta(seconds=1201)):
        assert outbox.drain() == 1
    assert recording_broker == [str(message.task_id)] * 3
    assert outbox.backlog()["redelivered"] == 1


def test_a_message_whose_task_finished_is_never_published_again(
    customer, recording_broker, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_REDELIVER_SECONDS = 600
    customer.email_verified_at = None
    customer.save(update_fields=["email_verified_at"])
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(send_verification_email, customer.pk)
    mail.outbox.clear()
    # The worker runs it.
    send_verification_email.apply(message.args, task_id=str(message.task_id))
    message.refresh_from_db()
    assert message.done_at is not None
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        assert outbox.drain() == 0
    assert recording_broker == [str(message.task_id)]
    assert len(mail.outbox) == 1
    assert outbox.backlog()["undone"] == 0


def test_the_outbox_refuses_a_task_that_would_act_twice_on_a_second_delivery(customer):
    from portal.kernel.tasks import verify_audit_chain

    with pytest.raises(TypeError, match="not an OutboxTask"):
        outbox.enqueue(verify_audit_chain)
    with pytest.raises(TypeError, match="not an OutboxTask"):
        outbox.enqueue("portal.tasks.verify_audit_chain")
    assert not OutboxMessage.objects.exists()


def test_every_task_queued_through_the_outbox_runs_once_per_message():
    from consent.tasks import send_marketing_mail
    from portal.kernel import tasks as portal_tasks
    from rights import tasks as rights_tasks

    short = [
        portal_tasks.send_otp_email,
        portal_tasks.send_verification_email,
        portal_tasks.send_account_exists_email,
        portal_tasks.send_password_reset_email,
        rights_tasks.send_request_code,
        rights_tasks.send_agent_confirmation,
    ]
    long = [
        rights_tasks.send_request_notification,
        rights_tasks.execute_deletion,
        rights_tasks.build_disclosure,
        send_marketing_mail,
    ]
    for task in short:
        assert isinstance(task, outbox.OutboxTask), task.name
    for task in long:
        assert isinstance(task, outbox.ResumableOutboxTask), task.name


def test_an_emailed_code_delivered_twice_is_mailed_once(customer):
    device = email_device_for(customer)
    mail.outbox.clear()
    device.generate_challenge()  # outside a transaction: queued and run at once
    message = OutboxMessage.objects.get(task_name="portal.tasks.send_otp_email")
    send_otp_email.apply(message.args, task_id=str(message.task_id))
    device.refresh_from_db()
    assert [m.to for m in mail.outbox] == [[customer.email]]
    assert device.token in mail.outbox[0].body
    message.refresh_from_db()
    assert message.done_at is not None


def test_a_request_code_delivered_twice_is_mailed_once():
    """The code of a request filed without an account (public form), delivered twice."""
    from rights.requesters.public_form import email_confirmation_start
    from rights.tasks import send_request_code

    mail.outbox.clear()
    email_confirmation_start(email="guest@example.com", language="en")
    message = OutboxMessage.objects.get(task_name=send_request_code.name)
    send_request_code.apply(message.args, task_id=str(message.task_id))
    assert [m.to for m in mail.outbox] == [["guest@example.com"]]
    message.refresh_from_db()
    assert message.done_at is not None


def test_a_notice_delivered_twice_is_mailed_once_and_its_message_is_done(
    customer, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(subject=customer, requester=customer, kind="disclosure")
    message = OutboxMessage.objects.get(task_name=send_request_notification.name)
    message.refresh_from_db()
    assert message.done_at is not None
    send_request_notification.apply(message.args, task_id=str(message.task_id))
    assert [m.subject for m in mail.outbox] == [f"We received your request {request.reference}"]


def test_a_long_task_is_done_when_it_returns_and_skipped_when_delivered_again(
    customer, django_capture_on_commit_callbacks
):
    from rights.tasks import build_disclosure

    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(build_disclosure, 999_999)  # runs in-process: no such request
    message.refresh_from_db()
    assert message.done_at is not None
    again = build_disclosure.apply(message.args, task_id=str(message.task_id))
    assert again.result is None  # skipped: the first delivery's answer was "missing"
    assert build_disclosure.apply(message.args).result == "missing"  # unknown task id: runs


def test_a_long_task_that_fails_stays_undone_and_its_next_delivery_does_the_work(
    customer, monkeypatch
):
    from rights.tasks import execute_deletion

    request = request_submit(subject=customer, requester=customer, kind="deletion")
    message = OutboxMessage.objects.create(task_name=execute_deletion.name, args=[request.pk])
    calls = []

    def crashes(*, request):
        calls.append(request.pk)
        raise RuntimeError("the worker's database connection went away")

    with monkeypatch.context() as patched:
        patched.setattr("rights.retention.deletion.deletion_execute", crashes)
        with pytest.raises(RuntimeError):
            execute_deletion.apply(
                message.args, task_id=str(message.task_id), retries=execute_deletion.max_retries
            )
    message.refresh_from_db()
    assert message.done_at is None
    monkeypatch.setattr(
        "rights.retention.deletion.deletion_execute", lambda *, request: calls.append(request.pk)
    )
    execute_deletion.apply(message.args, task_id=str(message.task_id))
    message.refresh_from_db()
    assert message.done_at is not None
    execute_deletion.apply(message.args, task_id=str(message.task_id))
    assert calls == [request.pk, request.pk]


def test_operators_see_messages_published_but_not_done(
    customer, recording_broker, client, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(send_verification_email, customer.pk)
        outbox.enqueue(send_verification_email, customer.pk)
    out = StringIO()
    call_command("outbox", stdout=out)
    assert "Waiting: 0 message(s)" in out.getvalue()
    assert "Published, not done: 2 message(s)" in out.getvalue()
    body = client.get("/healthz").json()
    assert body["outbox"]["waiting"] == 0
    assert body["outbox"]["undone"] == 2


def test_a_message_delivered_although_its_publisher_saw_an_error_counts_as_published(
    customer, recording_broker, monkeypatch, django_capture_on_commit_callbacks
):
    """A frozen Redis: the publish timed out waiting for the answer, but the message arrived."""

    def taken_then_timed_out(message):
        recording_broker.append(str(message.task_id))
        raise TimeoutError("Timeout reading from socket")

    monkeypatch.setattr(outbox, "_send", taken_then_timed_out)
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(send_verification_email, customer.pk)
    message.refresh_from_db()
    assert message.published_at is None and message.last_error.startswith("TimeoutError")
    send_verification_email.apply(message.args, task_id=str(message.task_id))  # the worker
    message.refresh_from_db()
    assert message.done_at is not None and message.published_at is not None
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        assert outbox.drain() == 0
    assert outbox.backlog()["waiting"] == 0
    assert recording_broker == [str(message.task_id)]
