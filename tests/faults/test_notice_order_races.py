"""A later notice's task and an earlier notice's own task of one request at once.

The later notice's task mails first the earlier notices of its request not e-mailed
yet, also one whose message is still on its way (a broker outage, a busy worker);
that message's task then comes while the later one mails, or just after. Whichever
takes the earlier notice's row lock first, the person receives each notice once,
the earlier one first, and neither task dies of a deadlock.
"""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import OperationalError, connection

from rights import notice_sending, tasks, workflow
from rights.choices import Kind, Status
from rights.models import RequestNotification
from rights.services import request_submit
from tests.factories import ProfileFactory

from .race_support import at_once, held_until_the_other_waits

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks of concurrent connections: PostgreSQL"
)

RECEIVED, IN_REVIEW = "received", "In review"


def _two_notices_unsent(officer):
    """A request's receipt and its "in review" notice, neither e-mailed yet."""
    customer = ProfileFactory(user__language="en").user
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.PURPOSE_NOTICE, delivery_method="electronic"
    )
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    notices = RequestNotification.objects.filter(request=request).order_by("pk")
    # Queued, not yet taken by a worker (with no broker they ran in-process).
    notices.update(emailed_at=None)
    mail.outbox.clear()
    received, in_review = notices
    assert (received.kind, in_review.kind) == ("received", "status_changed")
    return received, in_review


def _mailed_once_in_order(outcome: dict) -> None:
    for side, result in outcome.items():
        assert not isinstance(result, OperationalError | OSError), f"{side}: {result}"
    subjects = [sent.subject for sent in mail.outbox]
    words = [RECEIVED if RECEIVED in subject else IN_REVIEW for subject in subjects]
    assert words == [RECEIVED, IN_REVIEW], subjects
    assert not RequestNotification.objects.filter(emailed_at__isnull=True).exists()


@pytest.mark.parametrize(
    "first_locks",
    ["later", "receipt"],
    ids=["the-later-notice-mails-the-receipt", "the-receipts-own-task-mails-it"],
)
def test_the_receipts_own_task_and_the_later_notice_at_once(officer, monkeypatch, first_locks):
    received, in_review = _two_notices_unsent(officer)
    holding = threading.Event()
    # The first side has locked its rows (the later notice's task: both; the receipt's
    # own task: the receipt's); it mails the receipt next.
    held_until_the_other_waits(monkeypatch, notice_sending, "mail_request_notice", holding)
    later, receipt = (
        lambda: tasks.send_request_notification.run(in_review.pk),
        lambda: tasks.send_request_notification.run(received.pk),
    )

    outcome = at_once(*((later, receipt) if first_locks == "later" else (receipt, later)), holding)

    _mailed_once_in_order(outcome)
