"""A real Celery worker on Redis for the tests that need one (``worker``), and waiting
for what it does (``wait_for``)."""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker

from portal.kernel.celery import app as celery_app


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


def wait_for(predicate, timeout: float = 20.0) -> bool:
    """Whether ``predicate()`` came true within ``timeout`` seconds (asked every 0.1 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False
