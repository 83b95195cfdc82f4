"""Each way a wait for the person ends is told with the new date of the answer, once
(APPI art. 33(3), GDPR art. 12(3)): the identity confirmed by staff, the answer of a
requester without an account, the fee paid through the provider, staff moving the
request back to review. The receipt of a request whose identity is checked, and a
notice of a new law sent while it waits, promised that date."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from portal.kernel.zones import written
from rights import fees, workflow
from rights.choices import DeliveryMethod, Regime, Status
from rights.payments import Event
from rights.requesters.verification import identity_verify
from rights.services import message_post, request_change_regime
from tests.rights.fee_support import in_review, publish
from tests.rights.identity_support import parents_request
from tests.rights.notice_support import mail_waiting_notices

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 5, 11, 1, 0, tzinfo=dt.UTC)
WAIT = dt.timedelta(days=5)


def _told(request, language):
    """The one e-mail sent, which gives the request's date of answer in its zone."""
    request.refresh_from_db()
    with translation.override(language):
        due = written(request.due_at, "DATE_FORMAT", request.zone)
    (sent,) = mail.outbox
    assert due in sent.body, sent.body
    return sent


def _waiting_for_identity(regime, language, capture):
    with capture(execute=True):
        request = parents_request(language=language)
        if regime != Regime.APPI:
            request_change_regime(request=request, regime=regime, reason="Lives abroad", actor=None)
    request.refresh_from_db()
    assert request.status == Status.AWAITING_VERIFICATION
    return request


@pytest.mark.parametrize("regime", [Regime.APPI, Regime.GDPR])
@pytest.mark.parametrize("language", ["ja", "en"])
def test_identity_confirmed_by_staff(officer, regime, language, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    with time_machine.travel(START, tick=False) as traveller:
        request = _waiting_for_identity(regime, language, capture)
        received = request.notifications.get(kind="received")
        assert received.context["identity_check"]  # "once it is, we will tell you the date"
        traveller.shift(WAIT)
        mail.outbox.clear()
        with capture(execute=True):
            identity_verify(request=request, actor=officer, no_customer=True)
    assert _told(request, language).to == ["parent@example.com"]


@pytest.mark.parametrize("regime", [Regime.APPI, Regime.GDPR])
def test_the_answer_of_a_requester_without_an_account(
    officer, regime, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    with time_machine.travel(START, tick=False) as traveller:
        request = _waiting_for_identity(regime, "en", capture)
        with capture(execute=True):
            identity_verify(request=request, actor=officer, no_customer=True)
            workflow.transition(
                request, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which account?"
            )
        traveller.shift(WAIT)
        mail.outbox.clear()
        with capture(execute=True):
            # What the follow page does with the requester's answer.
            message_post(request=request, author=None, body="The one I use.")
    assert "/requests/follow/" in _told(request, "en").body


def _fee_asked(customer, officer, file_request, language):
    customer.language = language
    customer.save(update_fields=["language"])
    publish(delivery_method=DeliveryMethod.PAPER)
    request = in_review(file_request, customer, officer, delivery_method=DeliveryMethod.PAPER)
    return request, fees.fee_request(request=request, actor=officer)


def _paid_through_the_provider(request, payment, officer):
    event = Event(event_id="evt_1", reference=payment.reference, amount=payment.amount)
    fees.webhook_event_handle(provider="fake", event=event)
    return Status.IN_PROGRESS


def _back_to_review(request, payment, officer):
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    return Status.IN_REVIEW


@pytest.mark.parametrize("ends", [_paid_through_the_provider, _back_to_review])
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_wait_for_a_fee_ends(
    officer, customer, file_request, language, ends, django_capture_on_commit_callbacks
):
    """The fee paid (the provider reports it), or staff take the request back to review
    (the fee is cancelled)."""
    with time_machine.travel(START, tick=False) as traveller:
        request, payment = _fee_asked(customer, officer, file_request, language)
        traveller.shift(WAIT)
        mail_waiting_notices()
        with django_capture_on_commit_callbacks(execute=True):
            status = ends(request, payment, officer)
    request.refresh_from_db()
    assert request.status == status
    _told(request, language)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_staff_move_the_request_back_to_review_from_a_question(
    officer, customer, file_request, language, django_capture_on_commit_callbacks
):
    customer.language = language
    customer.save(update_fields=["language"])
    with time_machine.travel(START, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            request = in_review(file_request, customer, officer)
            workflow.transition(
                request, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which account?"
            )
        traveller.shift(WAIT)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    _told(request, language)
