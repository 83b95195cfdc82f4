"""A service that answers late: 202, then a signed callback to the portal (issue 23).

The portal runs as a live server, the double calls its callback address over
HTTP from its own thread, as a real service would.
"""

import time

import pytest

from rights.choices import Status
from rights.connectors.models import SystemTask

from .connector_support import (
    customer_at_double,
    double_fixture,  # noqa: F401  (the fixture "double")
)
from .retention_support import approve, file_deletion

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_late_answer_by_callback_completes_the_deletion(live_server, settings, officer, double):
    settings.SITE_URL = live_server.url
    customer = customer_at_double(double)
    double.behaviour, double.late_seconds = "late", 0.2
    request = file_deletion(customer, categories=["contact", "usage"])
    approve(request, officer)
    task = SystemTask.objects.get(request=request)
    assert task.accepted_at is not None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        task.refresh_from_db()
        request.refresh_from_db()
        # The request completes right after the callback's commit, in the server's thread.
        if task.state == SystemTask.State.DONE and request.status != Status.IN_PROGRESS:
            break
        time.sleep(0.1)
    assert task.state == SystemTask.State.DONE
    assert task.outcome == {"status": "done", "count": 2}
    assert request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)
    assert double.records_of(customer.email) == []
