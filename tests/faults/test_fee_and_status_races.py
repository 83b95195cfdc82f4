"""Two changes of one request at once that take two row locks: both finish.

A request leaving "awaiting payment" settles its fee, so the workflow locks the
request's row, then the fee's. The payment provider's webhook and the nightly
expiry of unpaid fees locked the fee first and the request after: a customer
withdrawing (or staff sending the request back to review) at the moment a
payment arrived or a fee expired deadlocked with it, and PostgreSQL aborted one
of the two, a 500 for the customer or a failed webhook. Each test here holds
one side in the gap between its two locks until the other side waits for a
lock, the moment the deadlock needs; both sides must then finish, one after
the other, and leave one consistent state.

The same held for the person answering the link that confirms their agent
(which locked the request's identity, then the request) as staff reject or
verify that identity (the request, then its identity).
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection
from django.utils import timezone

from rights import fees, workflow
from rights.choices import PaymentStatus, Status
from rights.models import Payment, PaymentEvent, RightsRequest
from rights.payments import Event
from rights.requesters import agents
from rights.requesters.filing import Person, Requester, identity_request_file
from rights.requesters.models import RequestIdentity, VerificationStatus
from rights.requesters.verification import identity_match_subject, identity_reject
from rights.services import request_submit
from tests.factories import ProfileFactory
from tests.rights.fee_support import publish

from .race_support import at_once, held_until_the_other_waits

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and deadlocks need PostgreSQL"
)


def _fee_due(officer):
    publish(amount=1000)
    customer = ProfileFactory(user__language="en").user
    request = request_submit(
        subject=customer, requester=customer, kind="disclosure", delivery_method="electronic"
    )
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    return customer, request, fees.fee_request(request=request, actor=officer)


def _no_deadlock(outcome: dict) -> None:
    for side, result in outcome.items():
        assert not isinstance(result, OperationalError), f"{side}: {result}"


def test_a_payment_reported_as_the_customer_withdraws_leaves_one_outcome(officer, monkeypatch):
    customer, request, payment = _fee_due(officer)
    holding = threading.Event()
    # The webhook has stored the event and locked the fee; it records the payment next.
    held_until_the_other_waits(monkeypatch, fees, "payment_record", holding)
    event = Event(event_id="evt_race_1", reference=payment.reference, amount=payment.amount)

    outcome = at_once(
        lambda: fees.webhook_event_handle(provider="fake", event=event),
        lambda: workflow.transition(
            RightsRequest.objects.get(pk=request.pk), to=Status.WITHDRAWN, actor=customer
        ),
        holding,
    )

    _no_deadlock(outcome)
    request.refresh_from_db()
    payment.refresh_from_db()
    stored = PaymentEvent.objects.get(event_id="evt_race_1")
    if payment.status == PaymentStatus.PAID:
        # The payment came first: the request goes on and can no longer be withdrawn.
        assert stored.outcome == PaymentEvent.Outcome.RECORDED
        assert request.status != Status.WITHDRAWN
        assert isinstance(outcome["second"], workflow.TransitionError)
    else:
        # The withdrawal came first: the fee is cancelled, the payment left for staff.
        assert payment.status == PaymentStatus.CANCELLED
        assert request.status == Status.WITHDRAWN
        assert stored.outcome == PaymentEvent.Outcome.NOT_PENDING


def test_an_unpaid_fee_expiring_as_staff_send_the_request_back_to_review(officer, monkeypatch):
    _customer, request, payment = _fee_due(officer)
    Payment.objects.filter(pk=payment.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    holding = threading.Event()
    # The expiry has locked the fee; it expires the request next.
    held_until_the_other_waits(monkeypatch, fees, "transition", holding)

    outcome = at_once(
        fees.payments_expire_unpaid,
        lambda: workflow.transition(
            RightsRequest.objects.get(pk=request.pk),
            to=Status.IN_REVIEW,
            actor=officer,
        ),
        holding,
    )

    _no_deadlock(outcome)
    request.refresh_from_db()
    payment.refresh_from_db()
    if outcome["first"] == 1:
        assert (request.status, payment.status) == (Status.EXPIRED, PaymentStatus.EXPIRED)
        assert isinstance(outcome["second"], workflow.TransitionError)
    else:
        assert outcome["first"] == 0
        assert (request.status, payment.status) == (Status.IN_REVIEW, PaymentStatus.CANCELLED)


def test_the_person_confirming_their_agent_as_staff_reject_the_identity(officer, monkeypatch):
    person = ProfileFactory(user__language="en").user
    request = identity_request_file(
        kind="disclosure",
        requester=Requester(
            capacity="agent", email="agent@example.com", language="en", name="Ichiro Sato"
        ),
        person=Person(name="Hanako Yamada", email=person.email),
        uploads=[],
        delivery_method="electronic",
    )
    identity_match_subject(
        request=request, subject=person, actor=officer, reason="Confirmed by phone."
    )
    identity = agents.agent_confirmation_request(request=request, actor=officer)
    holding = threading.Event()
    # The answer has locked the identity; it verifies the request next.
    held_until_the_other_waits(monkeypatch, agents, "identity_verify", holding)

    outcome = at_once(
        lambda: agents.agent_confirmation_answer(identity=identity, confirmed=True),
        lambda: identity_reject(
            request=RightsRequest.objects.get(pk=request.pk),
            actor=officer,
            note="The letter of authority is not signed.",
        ),
        holding,
    )

    _no_deadlock(outcome)
    request.refresh_from_db()
    identity = RequestIdentity.objects.get(pk=identity.pk)
    if identity.verification == VerificationStatus.VERIFIED:
        assert request.status == Status.IN_REVIEW
        assert isinstance(outcome["second"], ValidationError)
    else:
        assert identity.verification == VerificationStatus.NOT_VERIFIED
        assert request.status == Status.REJECTED
