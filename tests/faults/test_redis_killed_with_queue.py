"""Redis killed (SIGKILL) with messages in its queue: every notice and code arrives once.

Issue 17, observation 3 and acceptance 2. The worker is stopped, so the
messages sit in Redis; Redis dies without saving (the tests' Redis runs with
``--save "" --appendonly no``, as the system one does) and comes back empty.
The outbox knows the messages were published but never done and publishes
them again (``OUTBOX_REDELIVER_SECONDS``, shortened here); each is carried
out exactly once.
"""

from __future__ import annotations

import time
from collections import Counter

import redis

from portal.kernel.models import CustomerEmailDevice, OutboxMessage
from portal.kernel.stepup import email_device_for
from rights.models import RequestNotification
from rights.requesters.public_form import email_confirmation_start
from rights.services import request_submit
from tests.factories import ProfileFactory

from .conftest import read_mail, report, wait_for

CUSTOMERS = 12
GUESTS = 4
REDELIVER_SECONDS = 10

CODE_SUBJECT = "Rights Portal: your one-time code"
REQUEST_CODE_SUBJECT = "Rights Portal: your code to confirm your e-mail address"


def queued(client: redis.Redis) -> int:
    """Messages waiting in the Celery queues (the default queue and its priority lists)."""
    return sum(client.llen(key) for key in client.keys("celery*") if client.type(key) == b"list")


def test_messages_lost_with_a_killed_redis_are_each_delivered_exactly_once(
    fault_redis, processes, broker_publishing, mail_dir, settings
):
    settings.OUTBOX_REDELIVER_SECONDS = REDELIVER_SECONDS
    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.flushdb()
    customers = [ProfileFactory(user__language="en").user for _ in range(CUSTOMERS)]
    guests = [f"guest{n}@example.com" for n in range(GUESTS)]

    # No worker runs: each message is published to Redis and waits there.
    requests = {}
    for customer in customers:
        email_device_for(customer).generate_challenge()  # an e-mailed one-time code
        requests[customer.email] = request_submit(
            subject=customer, requester=customer, kind="disclosure"
        )  # its receipt notice
    for guest in guests:
        email_confirmation_start(email=guest, language="en")  # a code for the public form
    expected_messages = 2 * CUSTOMERS + GUESTS
    assert OutboxMessage.objects.filter(published_at__isnull=False).count() == expected_messages
    in_queue = queued(broker)
    assert in_queue == expected_messages >= 20

    fault_redis.stop()  # SIGKILL: nothing is saved
    fault_redis.start()
    assert queued(broker) == 0, "the restarted Redis still had the queue"
    assert OutboxMessage.objects.filter(done_at__isnull=True).count() == expected_messages

    back = time.monotonic()
    env = {"OUTBOX_REDELIVER_SECONDS": str(REDELIVER_SECONDS)}
    processes.start_worker(**env)
    processes.start_beat(**env)
    wait_for(
        lambda: not OutboxMessage.objects.filter(done_at__isnull=True).exists(),
        timeout=180,
        what="every message to be published again and done",
    )
    recovered = time.monotonic() - back
    time.sleep(5)  # a duplicate, if any, would arrive now

    mails = read_mail(mail_dir)
    per_recipient = Counter(str(message["To"]) for message in mails)
    assert per_recipient == Counter(
        {customer.email: 2 for customer in customers} | dict.fromkeys(guests, 1)
    )
    for customer in customers:
        received = {str(m["Subject"]): m for m in mails if str(m["To"]) == customer.email}
        reference = requests[customer.email].reference
        assert set(received) == {CODE_SUBJECT, f"We received your request {reference}"}
        token = CustomerEmailDevice.objects.get(user=customer).token
        assert token in received[CODE_SUBJECT].get_content()
    for guest in guests:
        assert [str(m["Subject"]) for m in mails if str(m["To"]) == guest] == [REQUEST_CODE_SUBJECT]
    assert not RequestNotification.objects.filter(emailed_at__isnull=True).exists()
    redelivered = OutboxMessage.objects.filter(deliveries=2).count()
    assert redelivered == expected_messages
    assert "publishing it again" in processes.log("worker")
    report(
        f"Redis SIGKILLed with {in_queue} messages queued ({CUSTOMERS} codes, {CUSTOMERS} "
        f"notices, {GUESTS} public-form codes): all {redelivered} published again and "
        f"{len(mails)} mails sent, each exactly once, the last {recovered:.1f} s after "
        f"Redis and the worker came back (redelivery timeout {REDELIVER_SECONDS} s)"
    )
