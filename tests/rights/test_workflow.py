"""The request state machine: every pair of statuses, repeats, roles."""

import datetime as dt
import itertools
import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from portal.kernel.models import AuditEvent
from rights import workflow
from rights.choices import RejectionGround, Status
from rights.models import RequestEvent, RightsRequest
from rights.workflow import TRANSITIONS, Role, TransitionError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _actor_for(roles, customer, staff):
    if Role.STAFF in roles:
        return staff
    if Role.CUSTOMER in roles:
        return customer
    return None


@pytest.fixture
def staff(officer):
    return officer


def test_every_pair_of_statuses(customer, staff, file_request):
    """Allowed moves succeed with one event; refused ones raise and write nothing.

    A disclosure without a fee: the table allows staff to complete it and to wait
    for payment, but the rules refuse both (completed only by its delivery, APPI
    art. 33; awaiting payment only with a fee asked, art. 38).
    """
    request = file_request(customer)
    held_back = set()
    for from_status, to_status in itertools.product(Status.values, repeat=2):
        RightsRequest.objects.filter(pk=request.pk).update(status=from_status)
        request.pauses.all().delete()
        request.refresh_from_db()
        events = RequestEvent.objects.filter(request=request).count()
        audits = AuditEvent.objects.count()
        roles = TRANSITIONS.get(from_status, {}).get(to_status)
        if from_status == to_status:
            assert workflow.transition(request, to=to_status, actor=staff, reason="r") is None
            assert RequestEvent.objects.filter(request=request).count() == events
            continue
        if roles is None:
            with pytest.raises(TransitionError):
                workflow.transition(request, to=to_status, actor=staff, reason="r", ground="other")
            request.refresh_from_db()
            assert request.status == from_status, (from_status, to_status)
            assert RequestEvent.objects.filter(request=request).count() == events
            assert AuditEvent.objects.count() == audits
            continue
        actor = _actor_for(roles, customer, staff)
        why = workflow.refusal(request, to_status, workflow.role_of(request, actor))
        if why is not None:
            held_back.add((from_status, to_status))
            with pytest.raises(TransitionError, match=re.escape(why)):
                workflow.transition(request, to=to_status, actor=actor, reason="r", ground="other")
            request.refresh_from_db()
            assert request.status == from_status, (from_status, to_status)
            assert RequestEvent.objects.filter(request=request).count() == events
            assert AuditEvent.objects.count() == audits
            assert to_status not in workflow.allowed_transitions(request, actor)
            continue
        assert to_status in workflow.allowed_transitions(request, actor)
        event = workflow.transition(
            request, to=to_status, actor=actor, reason="because", ground="other"
        )
        assert request.status == to_status
        assert event.from_status == from_status and event.to_status == to_status
        assert RequestEvent.objects.filter(request=request).count() == events + 1
        assert AuditEvent.objects.filter(action="request.transition").count() >= 1
        # The same move again is harmless: nothing new is written.
        assert workflow.transition(request, to=to_status, actor=actor, reason="x") is None
        assert RequestEvent.objects.filter(request=request).count() == events + 1
    assert held_back == {
        (Status.IN_REVIEW, Status.AWAITING_PAYMENT),
        (Status.IN_REVIEW, Status.COMPLETED),
        (Status.IN_REVIEW, Status.PARTIALLY_COMPLETED),
        (Status.IN_PROGRESS, Status.COMPLETED),
        (Status.IN_PROGRESS, Status.PARTIALLY_COMPLETED),
    }


def test_customer_may_withdraw_but_not_complete(customer, file_request):
    request = file_request(customer)
    with pytest.raises(TransitionError):
        workflow.transition(request, to=Status.IN_REVIEW, actor=customer)
    workflow.transition(request, to=Status.WITHDRAWN, actor=customer)
    assert request.status == Status.WITHDRAWN
    assert request.closed_at is not None


def test_withdrawal_is_refused_once_in_progress(customer, staff, file_request):
    request = file_request(customer)
    workflow.transition(request, to=Status.IN_REVIEW, actor=staff)
    workflow.transition(request, to=Status.IN_PROGRESS, actor=staff)
    with pytest.raises(TransitionError):
        workflow.transition(request, to=Status.WITHDRAWN, actor=customer)
    assert request.status == Status.IN_PROGRESS


def test_another_customer_cannot_act(customer, other_customer, file_request):
    request = file_request(customer)
    with pytest.raises(TransitionError):
        workflow.transition(request, to=Status.WITHDRAWN, actor=other_customer)


def test_staff_cannot_process_a_request_about_themselves(staff, file_request):
    request = file_request(staff)
    with pytest.raises(TransitionError, match="themselves"):
        workflow.transition(request, to=Status.IN_REVIEW, actor=staff)
    assert workflow.allowed_transitions(request, staff) == []


def test_rejection_needs_a_ground_and_a_reason(customer, staff, file_request):
    request = file_request(customer)
    workflow.transition(request, to=Status.IN_REVIEW, actor=staff)
    with pytest.raises(TransitionError, match="reason"):
        workflow.transition(request, to=Status.REJECTED, actor=staff, ground="business")
    with pytest.raises(TransitionError, match="ground"):
        workflow.transition(request, to=Status.REJECTED, actor=staff, reason="No.")
    assert request.status == Status.IN_REVIEW
    workflow.transition(
        request,
        to=Status.REJECTED,
        actor=staff,
        reason="Disclosure would seriously hinder our business.",
        ground=RejectionGround.BUSINESS,
    )
    assert request.rejection_ground == RejectionGround.BUSINESS


def test_a_five_day_wait_for_the_customer_moves_the_deadline_five_days(
    customer, staff, file_request
):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        request = file_request(customer)
        first_due = request.due_at
        workflow.transition(request, to=Status.IN_REVIEW, actor=staff)
        workflow.transition(
            request, to=Status.AWAITING_CUSTOMER, actor=staff, reason="Which address?"
        )
        traveller.shift(dt.timedelta(days=5))
        workflow.transition(request, to=Status.IN_REVIEW, actor=customer)
    assert request.due_at - first_due == dt.timedelta(days=5)
    pause = request.pauses.get()
    assert pause.ended_at - pause.started_at == dt.timedelta(days=5)


def test_notices_are_mailed_in_the_customers_language(
    staff, file_request, django_capture_on_commit_callbacks
):
    english = UserFactory(language="en")
    japanese = UserFactory(language="ja")
    with django_capture_on_commit_callbacks(execute=True):
        for person in (english, japanese):
            request = file_request(person)
            workflow.transition(request, to=Status.IN_REVIEW, actor=staff)
            workflow.transition(
                request,
                to=Status.REJECTED,
                actor=staff,
                reason="Identity unconfirmed",
                ground="identity",
            )
    to_english = [m for m in mail.outbox if m.to == [english.email]]
    to_japanese = [m for m in mail.outbox if m.to == [japanese.email]]
    # Received, in review (a status change by staff), rejected.
    assert [m.subject.split()[0] for m in to_english] == ["We", "Request", "We"]
    assert "received" in to_english[0].subject
    assert to_english[1].subject.endswith(": In review")
    assert "supervisory" not in to_english[2].body  # APPI: the PPC, not an EU authority
    assert "Personal Information Protection Commission" in to_english[2].body
    assert "Identity unconfirmed" in to_english[2].body
    assert all("R-" in m.subject for m in to_japanese)
    assert "個人情報保護委員会" in to_japanese[2].body
