"""CCPA 11 CCR §7021(b): the 45 days run from receipt, whatever the verification takes.

The request still waits for the person (its status says so), but its deadline
does not move, and nothing tells the consumer the wait "is not counted".
"""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from rights import workflow
from rights.choices import Regime, Status
from tests.formats_support import shown_date

pytestmark = pytest.mark.django_db


@pytest.fixture
def ccpa_request(customer, file_request, django_capture_on_commit_callbacks):
    customer.language = "en"
    customer.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        return file_request(customer, regime=Regime.CCPA, scope={"everything": True})


def test_waiting_for_verification_does_not_move_a_ccpa_deadline(ccpa_request, officer):
    due = ccpa_request.due_at
    workflow.transition(ccpa_request, to=Status.AWAITING_VERIFICATION, actor=officer, reason="ID")
    with time_machine.travel(timezone.now() + dt.timedelta(days=20)):
        workflow.transition(ccpa_request, to=Status.IN_REVIEW, actor=officer)

    ccpa_request.refresh_from_db()
    assert ccpa_request.pauses.count() == 1  # the wait is recorded ...
    assert ccpa_request.due_at == due  # ... and not counted


def test_an_appi_deadline_waits_for_verification(customer, file_request, officer):
    request = file_request(customer, regime=Regime.APPI, scope={"everything": True})
    due = request.due_at
    workflow.transition(request, to=Status.AWAITING_VERIFICATION, actor=officer, reason="ID")
    with time_machine.travel(timezone.now() + dt.timedelta(days=20)):
        workflow.transition(request, to=Status.IN_REVIEW, actor=officer)

    request.refresh_from_db()
    assert request.due_at - due >= dt.timedelta(days=20)


def test_ccpa_notices_and_pages_never_say_the_wait_is_not_counted(
    ccpa_request, officer, stepped_up_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(
            ccpa_request, to=Status.AWAITING_VERIFICATION, actor=officer, reason="ID"
        )
    bodies = [message.body for message in mail.outbox]
    assert bodies and not any("not counted" in body or "paused" in body for body in bodies)
    assert any("counted from the day we received your request" in body for body in bodies)

    stepped_up_client.cookies["django_language"] = "en"
    page = stepped_up_client.get(f"/requests/{ccpa_request.pk}/").content.decode()
    assert "paused" not in page
    # The deadline as the requester reads it: in California.
    assert shown_date(ccpa_request.due_on, "en") in page
