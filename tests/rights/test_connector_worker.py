"""The connector call retried with back-off by a real Celery worker (needs REDIS_URL).

The first call meets a failing service (HTTP 503); the task retries itself
through the broker after the back-off and the second call erases the
customer in the service. No beat runs: the retry is Celery's own.
"""

import time

import pytest
from django.conf import settings

from rights.choices import Status
from rights.connectors.models import SystemTask

from .connector_support import (
    customer_at_double,
    double_fixture,  # noqa: F401  (the fixture "double")
)
from .retention_support import approve, file_deletion

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no broker"),
]


@pytest.mark.usefixtures("worker")
def test_a_failed_call_is_retried_by_the_worker_after_its_back_off(double, officer, settings):
    settings.CONNECTOR_BACKOFF_SECONDS = 1
    customer = customer_at_double(double)
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
