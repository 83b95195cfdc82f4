"""Notices of one request mailed at the same time by several worker processes.

Each task waits for the earlier notices of its request that are being mailed, so
they arrive in order. Two tasks used to take those row locks in different orders
(each its own row first, then the earlier ones): with three notices in flight at
once, as after a mail server outage, one of them died of a deadlock and its notice
waited hours for the outbox to send it again.
"""

import threading

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone

from rights import tasks
from rights.choices import Kind
from rights.models import RequestNotification
from rights.services import request_file
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_three_notices_of_one_request_mailed_at_once_all_go_without_a_deadlock():
    if connection.vendor != "postgresql":
        pytest.skip("row locks of concurrent connections: PostgreSQL")
    customer = UserFactory()
    request = request_file(
        subject=customer,
        requester=customer,
        kind=Kind.PURPOSE_NOTICE,
        delivery_method="electronic",
    )
    first, second, third = (
        RequestNotification.objects.create(request=request, kind="message", context={})
        for _ in range(3)
    )
    mail.outbox.clear()
    errors, mailing_first, release = [], threading.Event(), threading.Event()

    def first_being_mailed():
        try:
            with transaction.atomic():
                RequestNotification.objects.select_for_update().get(pk=first.pk)
                mailing_first.set()
                release.wait(10)
                # Mailed: the later tasks find it sent, and mail only their own.
                RequestNotification.objects.filter(pk=first.pk).update(emailed_at=timezone.now())
        finally:
            connections.close_all()

    def send(notification):
        try:
            tasks.send_request_notification.run(notification.pk)
        except Exception as error:  # the deadlock, reported below
            errors.append(error)
        finally:
            connections.close_all()

    holder = threading.Thread(target=first_being_mailed)
    holder.start()
    assert mailing_first.wait(10)
    later = threading.Thread(target=send, args=(third,))
    later.start()
    later.join(1)  # the third waits for the first
    earlier = threading.Thread(target=send, args=(second,))
    earlier.start()
    earlier.join(1)  # the second waits too
    release.set()
    for thread in (holder, later, earlier):
        thread.join(20)
    assert errors == []
    sent = RequestNotification.objects.filter(
        pk__in=[second.pk, third.pk], emailed_at__isnull=False
    )
    assert sent.count() == 2
    assert len(mail.outbox) == 2
