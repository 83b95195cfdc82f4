"""When a wait for the person ends, the notice that the request goes on gives the date of
the answer, moved by exactly the wait (APPI art. 33(3), GDPR art. 12(3)): the date the
request stores, which its page shows."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone, translation

from portal.kernel.zones import written
from rights import fees, workflow
from rights.choices import DeliveryMethod, PaymentMethod, Regime, Status
from rights.services import message_post, request_change_regime
from tests.rights.fee_support import in_review, page_text, publish
from tests.rights.notice_support import mail_waiting_notices

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 5, 11, 1, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_payment_recorded_late_is_told_with_the_date_counted_from_the_payment(
    officer, customer, file_request, language, django_capture_on_commit_callbacks
):
    """APPI art. 33(3): the wait ends when the person paid, not when staff recorded it;
    the e-mail that work goes on gives the date counted from the payment."""
    customer.language = language
    customer.save(update_fields=["language"])
    publish(delivery_method=DeliveryMethod.PAPER)
    with time_machine.travel(START, tick=False) as traveller:
        request = in_review(file_request, customer, officer, delivery_method=DeliveryMethod.PAPER)
        payment = fees.fee_request(request=request, actor=officer)
        traveller.shift(dt.timedelta(days=2))
        paid_at = timezone.now()
        traveller.shift(dt.timedelta(days=5))
        mail_waiting_notices()
        with django_capture_on_commit_callbacks(execute=True):
            fees.payment_record(
                payment=payment,
                method=PaymentMethod.POSTAL_MONEY_ORDER,
                paid_at=paid_at,
                actor=officer,
            )
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    (sent,) = mail.outbox
    with translation.override(language):
        told = written(request.due_at, "DATE_FORMAT", request.zone)
        later = written(request.due_at + dt.timedelta(days=5), "DATE_FORMAT", request.zone)
    assert told in sent.body
    assert later not in sent.body


def _answering_after_a_regime_change(customer, officer, file_request, capture, *, regime):
    """A request of ``customer`` waiting for their answer, moved meanwhile to ``regime``;
    the customer answers on the request's page after five days. Returns the request."""
    with time_machine.travel(START, tick=False) as traveller:
        with capture(execute=True):
            request = in_review(
                file_request, customer, officer, delivery_method=DeliveryMethod.PAPER
            )
            workflow.transition(
                request, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which account?"
            )
            request_change_regime(
                request=request, regime=regime, reason="Lives abroad", actor=officer
            )
        traveller.shift(dt.timedelta(days=5))
        mail.outbox.clear()
        with capture(execute=True):
            message_post(request=request, author=customer, body="The one I use.")
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    return request


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_customers_answer_is_told_the_date_promised_while_waiting(
    officer, customer, file_request, language, stepped_up_client, django_capture_on_commit_callbacks
):
    """GDPR art. 12(3): the notice of the new law, sent while the request waited for the
    customer, promised the date once the clock runs again. The customer's answer starts
    it: the e-mail and the request's page give the date, in the request's zone."""
    customer.language = language
    customer.save(update_fields=["language"])
    request = _answering_after_a_regime_change(
        customer, officer, file_request, django_capture_on_commit_callbacks, regime=Regime.GDPR
    )
    changed = request.notifications.get(kind="regime_changed")
    assert changed.context["paused"] is True
    with translation.override(language):
        due = written(request.due_at, "DATE_FORMAT", request.zone)
    (sent,) = mail.outbox
    assert sent.to == [customer.email]
    assert due in sent.body
    page = page_text(stepped_up_client, f"/requests/{request.pk}/", language)
    assert due in page


def test_no_date_was_promised_under_the_ccpa_so_the_answer_sends_nothing(
    officer, customer, file_request, django_capture_on_commit_callbacks
):
    """CCPA §7021(b): the clock did not wait; the notice of the new law gave the date,
    which the answer does not move, so the customer's own answer is not e-mailed."""
    request = _answering_after_a_regime_change(
        customer, officer, file_request, django_capture_on_commit_callbacks, regime=Regime.CCPA
    )
    changed = request.notifications.get(kind="regime_changed")
    assert changed.context["paused"] is False
    assert mail.outbox == []
