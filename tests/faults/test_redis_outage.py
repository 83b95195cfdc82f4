"""Redis goes away while customers file requests: nothing is lost, nothing doubled.

Issue 11, acceptance 2. A live worker and beat run against the tests' own
Redis; customers file requests through the Django test client (as a web
process would: tasks are published to the broker, not run in-process).
"""

from __future__ import annotations

import time

import pytest
from django.test import Client

from portal.kernel import outbox
from portal.kernel.models import CustomerEmailDevice, OutboxMessage
from portal.kernel.staff import staff_create
from rights import workflow
from rights.choices import RejectionGround, Status
from rights.models import RequestNotification, RightsRequest
from tests.factories import ProfileFactory
from tests.intake_support import file_from_review, is_review

from .conftest import expected_notices, mailed_notices, report, wait_for

# A filing may wait once for the broker's connection timeout per process, never longer.
MAX_FILING_SECONDS = 8.0


@pytest.fixture(autouse=True)
def _fresh_cool_off():
    outbox._broker_down_until = 0.0


def stepped_up_client(customer) -> Client:
    """A logged-in customer who passed the code check (the code read from the database)."""
    client = Client()
    client.force_login(customer)
    assert client.post("/accounts/code/", {"send": "1"}).status_code in (200, 302)
    device = CustomerEmailDevice.objects.get(user=customer)
    response = client.post("/accounts/code/", {"token": device.token, "verify": "1"})
    assert response.status_code == 302, response.content
    return client


def file_request(client: Client) -> tuple[int, float]:
    """File a disclosure request through its review page; return its id and how long
    the answer to "File this request" took."""
    review = client.post(
        "/requests/new/disclosure/", {"delivery_method": "electronic", "details": "Everything"}
    )
    assert review.status_code == 200 and is_review(review)
    started = time.monotonic()
    response = file_from_review(client, "/requests/new/disclosure/", review)
    took = time.monotonic() - started
    assert response.status_code == 302, response.content.decode()[:500]
    assert response.url.startswith("/requests/")
    return int(response.url.strip("/").rsplit("/", 1)[1]), took


def all_delivered() -> bool:
    return (
        not OutboxMessage.objects.filter(published_at__isnull=True).exists()
        and not RequestNotification.objects.filter(emailed_at__isnull=True).exists()
    )


def test_requests_filed_while_redis_is_down_are_kept_and_each_notice_is_mailed_once(
    fault_redis, processes, broker_publishing, mail_dir
):
    processes.start_worker()
    processes.start_beat()
    customers = [ProfileFactory(user__language="en").user for _ in range(8)]
    officer, _device, _password = staff_create(email="officer@example.com", password="x-Off-2026!")
    clients = [stepped_up_client(customer) for customer in customers]

    # Redis up: two requests, published at once.
    before = [file_request(client)[0] for client in clients[:2]]
    wait_for(all_delivered, timeout=60, what="the first notices")

    fault_redis.stop()
    assert Client().get("/healthz").status_code == 503
    during, timings = [], []
    for client in clients[2:]:
        request_id, took = file_request(client)
        during.append(request_id)
        timings.append(took)
    # A transition made while Redis is down: staff reject the first request.
    workflow.transition(
        RightsRequest.objects.get(pk=before[0]),
        to=Status.REJECTED,
        actor=officer,
        reason="We hold no such data.",
        ground=RejectionGround.values[0],
    )
    # A customer withdraws the second one: the change sticks and its notice waits too.
    assert clients[1].post(f"/requests/{before[1]}/withdraw/").status_code == 302

    assert max(timings) < MAX_FILING_SECONDS, timings
    waiting = OutboxMessage.objects.filter(published_at__isnull=True)
    # Six receipts, the rejection and the withdrawal notices.
    assert waiting.count() == len(during) + 2
    assert RequestNotification.objects.filter(emailed_at__isnull=True).count() == len(during) + 2
    time.sleep(3)  # the beat keeps trying while Redis is away

    fault_redis.start()
    back = time.monotonic()
    wait_for(all_delivered, timeout=120, what="the outbox to drain and every notice to be mailed")
    recovered = time.monotonic() - back
    time.sleep(5)  # a duplicate, if any, would arrive now

    # Every request exists, as each customer was told.
    assert set(RightsRequest.objects.values_list("pk", flat=True)) == set(before + during)
    assert RightsRequest.objects.get(pk=before[0]).status == Status.REJECTED
    assert RightsRequest.objects.get(pk=before[1]).status == Status.WITHDRAWN
    # Every notice was mailed exactly once: 8 receipts, the rejection and the withdrawal.
    expected = expected_notices()
    assert len(expected) == 10
    assert mailed_notices(mail_dir) == expected
    assert "outbox_drain" in processes.log("worker")
    report(
        f"Redis stopped: {len(during)} requests filed in "
        f"{min(timings):.2f}-{max(timings):.2f} s each (first {timings[0]:.2f} s); "
        f"all {len(expected)} notices mailed once, the last {recovered:.1f} s after Redis returned"
    )


def test_a_request_filed_while_redis_hangs_is_answered_within_seconds(
    fault_redis, processes, broker_publishing, mail_dir
):
    """A Redis that accepts connections but never answers must not hold the request."""
    processes.start_worker()
    processes.start_beat()
    customer = ProfileFactory(user__language="en").user
    client = stepped_up_client(customer)
    wait_for(all_delivered, timeout=60, what="the code mail")

    fault_redis.freeze()
    try:
        request_id, took = file_request(client)
    finally:
        fault_redis.thaw()
    assert took < MAX_FILING_SECONDS, took
    assert RightsRequest.objects.filter(pk=request_id).exists()

    thawed = time.monotonic()
    wait_for(all_delivered, timeout=120, what="the receipt to be mailed")
    recovered = time.monotonic() - thawed
    time.sleep(5)
    assert mailed_notices(mail_dir) == expected_notices()
    assert len(expected_notices()) == 1
    report(
        f"Redis frozen (SIGSTOP): the request was answered in {took:.2f} s; "
        f"its receipt mailed once, {recovered:.1f} s after Redis answered again"
    )
