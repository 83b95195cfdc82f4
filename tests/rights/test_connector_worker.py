"""The connector call retried with back-off by a real Celery worker (needs REDIS_URL).

The first call meets a failing service (HTTP 503); the task retries itself
through the broker after the back-off and the second call erases the
customer in the service. No beat runs: the retry is Celery's own.
"""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from portal.kernel.celery import app as celery_app
from rights.choices import Status
from rights.connectors.models import SystemTask
from tests.test_celery_worker import _forget_queues

from .connector_support import api_system, seed_double, started_double
from .retention_support import approve, customer_with_records, file_deletion

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no broker"),
]


@pytest.fixture
def celery_worker_thread():
    previous_queue = celery_app.conf.task_default_queue
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


@pytest.fixture
def double():
    service = started_double()
    yield service
    service.stop()


def test_a_failed_call_is_retried_by_the_worker_after_its_back_off(
    celery_worker_thread, double, officer, settings
):
    settings.CONNECTOR_BACKOFF_SECONDS = 1
    customer = customer_with_records()
    seed_double(double, customer)
    api_system(double)
    double.fail_next = 1  # the first call fails; the retry finds the service back
    request = file_deletion(customer, categories=["contact", "usage"])
    approve(request, officer)
    task = SystemTask.objects.get(request=request)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        task.refresh_from_db()
        request.refresh_from_db()
        if task.state == SystemTask.State.DONE and request.status != Status.IN_PROGRESS:
            break
        time.sleep(0.1)
    assert task.state == SystemTask.State.DONE
    assert task.attempts == 2
    assert [c["key"] for c in double.calls] == [str(task.key)] * 2
    assert double.applied_count("erase") == 1
    assert request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)
