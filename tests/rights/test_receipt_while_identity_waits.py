"""A request filed without an account waits for the identity check from the moment it
is filed: the receipt and the identity-check mail, sent together, tell the same story
about the deadline (APPI art. 37; GDPR art. 12(3), 12(6): the clock may wait for
identity), and the date is told once identity is confirmed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client

from rights.models import RightsRequest
from rights.requesters.verification import identity_verify

from .identity_support import AGENT, agent_form, confirm_email

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

FILED = dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC)  # 10:00 in Tokyo
VERIFIED = FILED + dt.timedelta(days=5)

# language: (receipt subject, the date without the wait (14 days, APPI), the date after a
# five-day check, the receipt's "paused until identity is confirmed", the check's "paused")
WORDS = {
    "ja": (
        "受け付けました",
        "2026年3月16日",
        "2026年3月21日",
        "確認できるまで回答期限は停止し",
        "それまで回答期限は停止しています",
    ),
    "en": (
        "We received your request",
        "16 Mar 2026",
        "21 Mar 2026",
        "Until it is confirmed, the deadline for our answer is paused",
        "Until then the deadline is paused",
    ),
}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_receipt_does_not_promise_a_date_the_identity_check_then_moves(
    language, officer, django_capture_on_commit_callbacks
):
    received, unpaused, after_check, receipt_pause, check_pause = WORDS[language]
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    with time_machine.travel(FILED, tick=False):
        confirm_email(client, AGENT, django_capture_on_commit_callbacks, language=language)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/requests/start/request/", agent_form())
    assert response.status_code == 302, response.content
    receipt, check = mail.outbox
    assert received in receipt.subject
    assert check_pause in check.body, check.body
    # The receipt, sent with the identity-check mail, says the same: the clock waits for
    # the check, and the date comes once it is done. No date it would then break.
    assert receipt_pause in receipt.body, receipt.body
    assert unpaused not in receipt.body and after_check not in receipt.body, receipt.body

    request = RightsRequest.objects.get()
    mail.outbox.clear()
    with (
        time_machine.travel(VERIFIED, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        identity_verify(request=request, actor=officer, no_customer=True)
    (confirmed,) = mail.outbox
    # The five days of the check are not counted: the date told now is five days later.
    assert after_check in confirmed.body, confirmed.body


def test_a_ccpa_receipt_keeps_its_date_since_its_clock_does_not_wait(
    officer, django_capture_on_commit_callbacks
):
    """CCPA §7021(b) counts the 45 days from receipt whatever the verification takes:
    its receipt keeps the date, and its identity mail says no pause."""
    from rights.requesters.filing import Person, Requester, identity_request_file
    from rights.requesters.models import Capacity

    with (
        time_machine.travel(FILED, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        identity_request_file(
            kind="disclosure",
            requester=Requester(capacity=Capacity.SELF, email=AGENT, language="en"),
            person=Person(name="Hanako Yamada"),
            uploads=[],
            regime="ccpa",
        )
    receipt, check = mail.outbox
    assert "We will answer by 15 Apr 2026" in receipt.body, receipt.body
    assert "paused" not in receipt.body and "paused" not in check.body
