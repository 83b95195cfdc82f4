"""What APPI art. 38 and GDPR art. 15(3) let a company charge.

APPI arts. 38, 32(1)(iii): the fee is the one published for the request on the
day it was received, and no other amount; where none was published nothing is
charged. GDPR art. 15(3): a further copy is charged only after a copy of the same
data was delivered, and the notice names that delivery.
"""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from rights import fees, workflow
from rights.choices import DeliveryMethod, FeeBasis, Kind, Regime, Status
from rights.models import Payment
from tests.rights.fee_support import in_review, posted_disclosure, publish
from tests.rights.notice_support import mail_waiting_notices

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 5, 11, 10, 0, tzinfo=dt.UTC)


def test_appi_art_38_an_amount_other_than_the_published_fee_is_refused_even_with_a_reason(
    officer, customer, file_request
):
    """APPI arts. 38, 32(1)(iii): the fee is the published one; ¥5,000 against a
    published ¥1,000 is refused whatever reason staff give."""
    publish(amount=1000)
    request = in_review(file_request, customer, officer)
    for amount, reason in ((5000, "Large file"), (800, "Partial disclosure"), (3000, "")):
        with pytest.raises(ValidationError) as refused:
            fees.fee_request(request=request, actor=officer, amount=amount, reason=reason)
        assert "¥1,000" in " ".join(refused.value.messages)
    assert not Payment.objects.exists()
    payment = fees.fee_request(request=request, actor=officer, amount=1000)
    assert payment.amount == 1000 and payment.deviation_reason == ""
    assert payment.schedule.amount == 1000
    # Asking again while it waits returns the same fee.
    assert fees.fee_request(request=request, actor=officer) == payment


def test_appi_art_38_no_fee_is_charged_where_none_is_published(officer, customer, file_request):
    """APPI art. 38(2): only a published fee may be charged; none published, nothing to pay."""
    request = in_review(file_request, customer, officer, kind=Kind.PURPOSE_NOTICE)
    for amount, reason in ((None, ""), (300, "Printing")):
        with pytest.raises(ValidationError):
            fees.fee_request(request=request, actor=officer, amount=amount, reason=reason)
    assert not Payment.objects.exists()
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW


def test_appi_art_38_the_fee_is_the_one_published_on_the_day_the_request_was_received(
    officer, customer, file_request
):
    """APPI art. 38: a new fee published after the request arrived does not apply to it."""
    publish(amount=1000, effective_until=dt.date(2026, 5, 31))
    publish(amount=1500, effective_from=dt.date(2026, 6, 1))
    with time_machine.travel(START, tick=False):
        request = file_request(customer, delivery_method=DeliveryMethod.ELECTRONIC)
    with time_machine.travel(dt.datetime(2026, 6, 3, 1, 0, tzinfo=dt.UTC)):
        workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
        with pytest.raises(ValidationError):
            fees.fee_request(request=request, actor=officer, amount=1500)
        payment = fees.fee_request(request=request, actor=officer)
    assert payment.amount == 1000 and payment.schedule.effective_until == dt.date(2026, 5, 31)
    # A request received once the new fee is in force pays the new one.
    with time_machine.travel(dt.datetime(2026, 6, 3, 2, 0, tzinfo=dt.UTC)):
        later = in_review(file_request, customer, officer)
        assert fees.fee_request(request=later, actor=officer).amount == 1500


def test_appi_art_38_the_database_refuses_a_published_fee_not_from_the_schedule(
    officer, customer, file_request
):
    """APPI art. 38: the database too refuses a published-basis fee without its schedule,
    with a deviation, or (PostgreSQL trigger) at another amount than the schedule's."""
    schedule = publish(amount=1000)
    request = in_review(file_request, customer, officer)
    common = {"request": request, "basis": FeeBasis.PUBLISHED, "due_at": timezone.now()}
    bad = [
        {"reference": "X1", "amount": 1000, "schedule": None},
        {"reference": "X2", "amount": 1000, "schedule": schedule, "deviation_reason": "why"},
    ]
    if connection.vendor == "postgresql":
        bad.append({"reference": "X3", "amount": 5000, "schedule": schedule})
    for fields in bad:
        with pytest.raises(IntegrityError), transaction.atomic():
            Payment.objects.create(**common, **fields)
    assert not Payment.objects.exists()
    Payment.objects.create(**common, reference="OK", amount=1000, schedule=schedule)


def test_gdpr_art_15_3_a_further_copy_follows_a_delivered_copy_and_the_notice_names_it(
    officer, customer, file_request, django_capture_on_commit_callbacks
):
    """GDPR art. 15(3): a fee only for a copy after one of the same data was delivered;
    the fee notice names that earlier delivery."""
    publish(regime=Regime.GDPR, basis=FeeBasis.FURTHER_COPY, amount=700)
    earlier = posted_disclosure(customer, officer, file_request, on=dt.date(2026, 5, 4))
    mail.outbox.clear()
    with time_machine.travel(START):
        request = in_review(file_request, customer, officer, regime=Regime.GDPR)
        mail_waiting_notices()
        with django_capture_on_commit_callbacks(execute=True):
            payment = fees.fee_request(request=request, actor=officer, further_copy=True)
    assert payment.basis == FeeBasis.FURTHER_COPY and payment.amount == 700
    assert payment.further_copy_of == earlier
    assert payment.further_copy_delivered_on == dt.date(2026, 5, 4)
    (notice,) = [m.body for m in mail.outbox if m.to == [customer.email]]
    assert earlier.reference in notice and "2026年5月4日" in notice and "15" in notice


def test_gdpr_art_15_3_a_first_copy_is_never_charged_as_a_further_copy(
    officer, customer, file_request
):
    """GDPR art. 15(3): the first access request is free even when staff tick
    "further copy"; so is one asking more than the earlier copy held, or one that
    came before the earlier copy was delivered."""
    publish(regime=Regime.GDPR, basis=FeeBasis.FURTHER_COPY, amount=700)
    first = in_review(file_request, customer, officer, regime=Regime.GDPR)
    with pytest.raises(ValidationError) as refused:
        fees.fee_request(request=first, actor=officer, further_copy=True)
    assert "first copy is free" in " ".join(refused.value.messages)
    # An earlier copy of one category only does not make a request for everything a
    # further copy.
    posted_disclosure(
        customer, officer, file_request, on=dt.date(2026, 5, 4), categories=["contact"]
    )
    with time_machine.travel(START):
        wider = in_review(file_request, customer, officer, regime=Regime.GDPR)
        with pytest.raises(ValidationError):
            fees.fee_request(request=wider, actor=officer, further_copy=True)
    assert not Payment.objects.exists()
    # The database refuses a further-copy fee that names no earlier delivery.
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            request=first,
            reference="X1",
            amount=700,
            basis=FeeBasis.FURTHER_COPY,
            due_at=timezone.now(),
        )


def test_gdpr_art_15_3_the_working_page_offers_no_fee_for_a_first_copy(
    officer, officer_client, customer, file_request
):
    """A first copy is free: the page says so and offers no fee that could only fail;
    after a delivered copy it offers the further copy's fee."""
    publish(regime=Regime.GDPR, basis=FeeBasis.FURTHER_COPY, amount=700)
    officer_client.cookies["django_language"] = "en"
    first = in_review(file_request, customer, officer, regime=Regime.GDPR)
    page = officer_client.get(f"/admin/rights/rightsrequest/{first.pk}/change/").content.decode()
    assert "a first copy is free (GDPR art. 15(3))" in page
    assert "Confirm the fee and ask for payment" not in page and 'name="amount"' not in page

    posted_disclosure(customer, officer, file_request, on=dt.date(2026, 5, 4))
    with time_machine.travel(START):
        again = in_review(file_request, customer, officer, regime=Regime.GDPR)
    page = officer_client.get(f"/admin/rights/rightsrequest/{again.pk}/change/").content.decode()
    assert "Confirm the fee and ask for payment" in page and 'name="further_copy"' in page
