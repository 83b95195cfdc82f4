"""Tasks travel through the real broker to a real worker (needs REDIS_URL)."""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from portal.celery import app as celery_app
from portal.services import email_device_for

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no broker"),
]


@pytest.fixture
def worker():
    """A Celery worker thread consuming from Redis, with tasks sent for real."""
    previous_queue = celery_app.conf.task_default_queue
    # A queue of its own, so messages left by an earlier run cannot interfere.
    celery_app.conf.task_default_queue = f"test-{uuid.uuid4().hex}"
    _forget_queues()
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10
        ) as started:
            yield started
    finally:
        celery_app.conf.task_always_eager = True
        celery_app.conf.task_default_queue = previous_queue
        _forget_queues()


def _forget_queues():
    """Celery caches the queues and the default queue on first use: drop them,
    so publishers and the worker use the queue configured now."""
    for cached in ("queues", "default_queue"):
        celery_app.amqp.__dict__.pop(cached, None)


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_otp_mail_task_is_delivered_through_the_broker(worker, customer):
    device = email_device_for(customer)
    # Outside any transaction, delay_on_commit publishes at once to Redis.
    device.generate_challenge()
    device.refresh_from_db()
    assert _wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the code"
    message = mail.outbox[0]
    assert message.to == [customer.email]
    assert device.token in message.body
