"""When a wait for the person ends, the notice that the request goes on gives the date of
the answer, moved by exactly the wait (APPI art. 33(3), GDPR art. 12(3)): the date the
request stores, which its page shows."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone, translation

from portal.kernel.zones import written
from rights import fees
from rights.choices import DeliveryMethod, PaymentMethod, Status
from tests.rights.fee_support import in_review, publish

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
        mail.outbox.clear()
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
