"""Fees: what may be charged, the clock while a fee is unpaid, payment, waiver, refund, expiry."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone, translation

from portal.kernel.models import AuditEvent
from portal.kernel.personal_data import yen
from rights import confirmations, fees, workflow
from rights.choices import (
    DeliveryMethod,
    EventKind,
    FeeBasis,
    Kind,
    PauseReason,
    PaymentMethod,
    PaymentStatus,
    Regime,
    Status,
)
from rights.models import FeeSchedule, Payment, RightsRequest
from tests.formats_support import shown_date
from tests.rights.fee_support import SINCE, in_review, posted_disclosure, publish
from tests.rights.notice_support import mail_waiting_notices

pytestmark = pytest.mark.django_db

FREE_KINDS = [Kind.CORRECTION, Kind.STOP_USE, Kind.STOP_PROVISION, Kind.DELETION]
START = dt.datetime(2026, 5, 11, 10, 0, tzinfo=dt.UTC)


# -- the schedule ----------------------------------------------------------------


@pytest.mark.parametrize("kind", FREE_KINDS)
def test_no_fee_can_be_configured_for_correction_stop_use_or_deletion(kind):
    """APPI art. 38: fees only for notice of purposes and disclosure; never for the others."""
    schedule = FeeSchedule(kind=kind, regime=Regime.APPI, amount=500, effective_from=SINCE)
    with pytest.raises(ValidationError) as error:
        schedule.full_clean()
    assert "always free" in " ".join(error.value.message_dict["kind"])
    with pytest.raises(ValidationError):
        fees.fee_schedule_save(schedule=schedule, actor=None)
    assert not FeeSchedule.objects.exists()
    # The database refuses it too, whatever code writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        FeeSchedule.objects.create(kind=kind, regime=Regime.APPI, amount=500, effective_from=SINCE)


def test_gdpr_and_ccpa_fees_need_their_own_basis():
    """GDPR 12(5), 15(3): no published fee; only unfounded/excessive requests or further copies."""
    for regime in (Regime.GDPR, Regime.CCPA):
        with pytest.raises(ValidationError):
            FeeSchedule(
                kind=Kind.DISCLOSURE, regime=regime, amount=900, effective_from=SINCE
            ).full_clean()
    with pytest.raises(ValidationError):  # further copies: GDPR access only
        FeeSchedule(
            kind=Kind.DISCLOSURE,
            regime=Regime.CCPA,
            basis=FeeBasis.FURTHER_COPY,
            amount=900,
            effective_from=SINCE,
        ).full_clean()
    FeeSchedule(
        kind=Kind.DISCLOSURE,
        regime=Regime.GDPR,
        basis=FeeBasis.FURTHER_COPY,
        amount=900,
        effective_from=SINCE,
    ).full_clean()


def test_overlapping_fees_are_refused_and_a_used_fee_cannot_change(officer, customer, file_request):
    """APPI art. 38: one published amount at a time; what customers were asked stays on record."""
    first = publish(amount=1000)
    with pytest.raises(ValidationError) as error:
        publish_later = FeeSchedule(
            kind=Kind.DISCLOSURE,
            regime=Regime.APPI,
            amount=1200,
            effective_from=dt.date(2025, 1, 1),
        )
        publish_later.full_clean()
    assert "effective_from" in error.value.message_dict
    # Ending the first fee makes room for the new one.
    first.effective_until = dt.date(2024, 12, 31)
    fees.fee_schedule_save(schedule=first, actor=officer)
    fees.fee_schedule_save(schedule=publish_later, actor=officer)
    assert AuditEvent.objects.filter(action="fee.schedule_saved").count() == 2

    request = in_review(file_request, customer, officer)
    payment = fees.fee_request(request=request, actor=officer)
    assert payment.schedule == publish_later and payment.amount == 1200
    publish_later.amount = 2000
    with pytest.raises(ValidationError):
        fees.fee_schedule_save(schedule=publish_later, actor=officer)
    assert FeeSchedule.objects.get(pk=publish_later.pk).amount == 1200


def test_the_delivery_method_specific_fee_wins():
    publish(amount=1000)
    publish(delivery_method=DeliveryMethod.PAPER, amount=1500)
    args = {"kind": Kind.DISCLOSURE, "regime": Regime.APPI, "basis": FeeBasis.PUBLISHED}
    assert (
        FeeSchedule.objects.applicable(**args, delivery_method=DeliveryMethod.PAPER).amount == 1500
    )
    assert (
        FeeSchedule.objects.applicable(**args, delivery_method=DeliveryMethod.ELECTRONIC).amount
        == 1000
    )


# -- asking a fee: the clock pauses ---------------------------------------------------


def test_appi_disclosure_waits_for_payment_with_the_clock_paused_and_resumes_when_paid(
    officer, customer, file_request, django_capture_on_commit_callbacks
):
    """APPI art. 38 fee, DESIGN "a fee pauses the clock": paying resumes it where it stood."""
    publish(amount=1000)
    with time_machine.travel(START, tick=False) as traveller:
        request = in_review(file_request, customer, officer)
        due_before = request.due_at
        mail_waiting_notices()
        with django_capture_on_commit_callbacks(execute=True):
            payment = fees.fee_request(request=request, actor=officer)
        request.refresh_from_db()
        assert request.status == Status.AWAITING_PAYMENT
        assert request.is_paused
        assert request.pauses.get(ended_at__isnull=True).reason == PauseReason.PAYMENT
        assert payment.status == PaymentStatus.PENDING
        assert payment.amount == 1000 and payment.basis == FeeBasis.PUBLISHED
        assert payment.due_at.date() == (START + dt.timedelta(days=30)).date()

        # The notice states the amount, the payment reference and the pay-by date.
        (notice,) = [m for m in mail.outbox if m.to == [customer.email]]
        with translation.override("ja"):
            amount = yen(1000)
        assert amount in notice.body
        assert payment.reference in notice.body
        assert shown_date(payment.due_at, "ja") in notice.body
        assert "/fees/" in notice.body
        stored = request.notifications.get(kind="fee_due")
        assert stored.context["fee"]["reference"] == payment.reference

        # Ten days of waiting do not count against the deadline.
        traveller.shift(dt.timedelta(days=10))
        with django_capture_on_commit_callbacks(execute=True):
            fees.payment_record(payment=payment, method=PaymentMethod.BANK_TRANSFER, actor=officer)
        request.refresh_from_db()
        payment.refresh_from_db()
        # The request goes on; in-process its disclosure is then delivered at once.
        assert request.events.filter(to_status=Status.IN_PROGRESS).count() == 1
        assert request.status in (Status.IN_PROGRESS, Status.COMPLETED)
        assert not request.is_paused
        assert request.due_at == due_before + dt.timedelta(days=10)
        assert payment.status == PaymentStatus.PAID
        assert payment.confirmed_by == officer and payment.confirmed_at is not None
        fee_events = request.events.filter(kind=EventKind.FEE)
        assert [e.details.get("status") for e in fee_events].count("paid") == 1
        assert AuditEvent.objects.filter(action="fee.paid", actor=officer).count() == 1

        # Recording it again changes nothing.
        fees.payment_record(payment=payment, method=PaymentMethod.BANK_TRANSFER, actor=officer)
        assert request.events.filter(kind=EventKind.FEE).count() == 1


def test_a_payment_recorded_late_resumes_the_clock_from_the_day_the_money_arrived(
    officer, customer, file_request
):
    """APPI art. 33(3) "without delay": the person's waiting ends when they paid, not when
    staff noticed."""
    publish()
    with time_machine.travel(START, tick=False) as traveller:
        request = in_review(file_request, customer, officer)
        due_before = request.due_at
        payment = fees.fee_request(request=request, actor=officer)
        traveller.shift(dt.timedelta(days=2))
        paid_at = timezone.now()
        traveller.shift(dt.timedelta(days=5))
        fees.payment_record(
            payment=payment, method=PaymentMethod.POSTAL_MONEY_ORDER, paid_at=paid_at, actor=officer
        )
    request.refresh_from_db()
    assert request.due_at == due_before + dt.timedelta(days=2)
    assert request.pauses.get().ended_at == paid_at


def test_a_payment_date_before_the_fee_or_in_the_future_is_refused(officer, customer, file_request):
    publish()
    request = in_review(file_request, customer, officer)
    payment = fees.fee_request(request=request, actor=officer)
    for when in (timezone.now() - dt.timedelta(days=3), timezone.now() + dt.timedelta(days=1)):
        with pytest.raises(ValidationError):
            fees.payment_record(
                payment=payment, method=PaymentMethod.BANK_TRANSFER, paid_at=when, actor=officer
            )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


@pytest.mark.parametrize("kind", FREE_KINDS)
def test_a_fee_is_refused_for_requests_that_are_always_free(officer, customer, file_request, kind):
    """APPI art. 38: never a fee for correction, stop of use or provision, deletion."""
    request = in_review(file_request, customer, officer, kind=kind)
    with pytest.raises(ValidationError) as error:
        fees.fee_request(request=request, actor=officer, amount=500, reason="cost")
    assert "always free" in str(error.value)
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    assert not Payment.objects.exists()


def test_a_fee_is_asked_only_in_review(officer, customer, file_request):
    publish()
    request = file_request(customer, delivery_method=DeliveryMethod.ELECTRONIC)
    with pytest.raises(ValidationError):
        fees.fee_request(request=request, actor=officer)
    assert not Payment.objects.exists()


# -- GDPR / CCPA: only manifestly unfounded or excessive requests -------------------------


@pytest.mark.parametrize("regime", [Regime.GDPR, Regime.CCPA])
def test_gdpr_ccpa_request_is_free_until_marked_unfounded_or_excessive(
    officer, customer, file_request, regime
):
    """GDPR 12(5) / CCPA: free; a reasonable fee only once marked manifestly unfounded or
    excessive, with a reason the person is told."""
    request = in_review(file_request, customer, officer, regime=regime)
    with pytest.raises(ValidationError):
        fees.fee_request(request=request, actor=officer, amount=1000, reason="cost")
    with pytest.raises(ValidationError):
        fees.request_mark_unfounded(request=request, reason=" ", actor=officer)
    fees.request_mark_unfounded(
        request=request, reason="Fifth identical request this month", actor=officer
    )
    assert request.unfounded
    event = request.events.get(kind=EventKind.UNFOUNDED)
    assert event.reason == "Fifth identical request this month"
    assert AuditEvent.objects.filter(action="request.unfounded").exists()
    payment = fees.fee_request(request=request, actor=officer, amount=1000, reason="Copy costs")
    assert payment.basis == FeeBasis.UNFOUNDED
    request.refresh_from_db()
    assert request.status == Status.AWAITING_PAYMENT


@pytest.mark.parametrize("regime", [Regime.GDPR, Regime.CCPA])
@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_fee_notice_of_an_unfounded_or_excessive_request_gives_the_reason(
    officer, customer, file_request, regime, language, django_capture_on_commit_callbacks
):
    """GDPR art. 12(5) / CCPA: a fee for a manifestly unfounded or excessive request is
    charged only with the reason, which the person is told with the fee."""
    customer.language = language
    customer.save(update_fields=["language"])
    request = in_review(file_request, customer, officer, regime=regime)
    fees.request_mark_unfounded(
        request=request, reason="Fifth identical request this month", actor=officer
    )
    mail_waiting_notices()
    with django_capture_on_commit_callbacks(execute=True):
        fees.fee_request(request=request, actor=officer, amount=1000, reason="Copy costs")
    (notice,) = [m for m in mail.outbox if m.to == [customer.email]]
    assert "Fifth identical request this month" in notice.body
    expected = {"en": "manifestly unfounded or excessive", "ja": "明らかに根拠がない"}[language]
    assert expected in notice.body


def test_gdpr_further_copy_may_carry_the_published_fee_after_a_delivered_copy(
    officer, customer, file_request
):
    """GDPR 15(3): a reasonable fee for further copies (tests/rights/test_fee_law.py)."""
    publish(regime=Regime.GDPR, basis=FeeBasis.FURTHER_COPY, amount=700)
    posted_disclosure(customer, officer, file_request, on=dt.date(2026, 5, 4))
    with time_machine.travel(START):
        request = in_review(file_request, customer, officer, regime=Regime.GDPR)
        payment = fees.fee_request(request=request, actor=officer, further_copy=True)
    assert payment.basis == FeeBasis.FURTHER_COPY and payment.amount == 700


def test_appi_has_no_unfounded_mark(officer, customer, file_request):
    """APPI art. 38: the published fee is the only fee."""
    request = in_review(file_request, customer, officer)
    with pytest.raises(ValidationError):
        fees.request_mark_unfounded(request=request, reason="again", actor=officer)


# -- waiver, refund, withdrawal ------------------------------------------------------------


def test_waiving_needs_a_reason_and_moves_the_request_on(officer, customer, file_request):
    """APPI art. 38: waiving is a decision on the record, with its reason."""
    publish()
    request = in_review(file_request, customer, officer)
    payment = fees.fee_request(request=request, actor=officer)
    for empty in ("", "   "):
        with pytest.raises(ValidationError):
            fees.payment_waive(payment=payment, reason=empty, actor=officer)
    payment.refresh_from_db()
    request.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert request.status == Status.AWAITING_PAYMENT

    fees.payment_waive(payment=payment, reason="Hardship: on benefits", actor=officer)
    request.refresh_from_db()
    assert payment.status == PaymentStatus.WAIVED
    assert payment.waiver_reason == "Hardship: on benefits"
    assert payment.confirmed_by == officer
    assert request.status == Status.IN_PROGRESS and not request.is_paused
    assert AuditEvent.objects.filter(action="fee.waived").count() == 1


def test_refund_needs_a_reason_and_a_paid_fee(officer, customer, file_request):
    publish()
    request = in_review(file_request, customer, officer)
    payment = fees.fee_request(request=request, actor=officer)
    with pytest.raises(ValidationError):
        fees.payment_refund(payment=payment, reason="Charged in error", actor=officer)
    fees.payment_record(payment=payment, method=PaymentMethod.CONVENIENCE_STORE, actor=officer)
    with pytest.raises(ValidationError):
        fees.payment_refund(payment=payment, reason="", actor=officer)
    fees.payment_refund(payment=payment, reason="Charged in error", actor=officer)
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refunded_by == officer and payment.refunded_at is not None
    (event,) = [
        e
        for e in request.events.filter(kind=EventKind.FEE)
        if e.details.get("status") == "refunded"
    ]
    assert event.reason == "Charged in error"
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


def test_the_customer_can_withdraw_before_paying(officer, customer, file_request):
    """APPI art. 38 / GDPR 12(5): the person is told the fee first and may decline it."""
    publish()
    request = in_review(file_request, customer, officer)
    payment = fees.fee_request(request=request, actor=officer)
    workflow.transition(request, to=Status.WITHDRAWN, actor=customer)
    payment.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    assert payment.status == PaymentStatus.CANCELLED and payment.closed_at is not None
    with pytest.raises(ValidationError):
        fees.payment_record(payment=payment, method=PaymentMethod.BANK_TRANSFER, actor=officer)


def test_an_unpaid_request_cannot_be_moved_on_without_payment_or_waiver(
    officer, customer, file_request
):
    publish()
    request = in_review(file_request, customer, officer)
    fees.fee_request(request=request, actor=officer)
    with pytest.raises(workflow.TransitionError):
        workflow.transition(request, to=Status.IN_PROGRESS, actor=officer)
    assert request.status == Status.AWAITING_PAYMENT
    # Back to review (e.g. the fee was a mistake) cancels the fee.
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    assert request.payments.get().status == PaymentStatus.CANCELLED


# -- expiry of unpaid requests ---------------------------------------------------------------


def test_an_unpaid_request_expires_after_the_period_and_the_customer_is_told(
    officer, customer, file_request, django_capture_on_commit_callbacks
):
    """APPI art. 38 with the published period (RIGHTS_FEE_UNPAID_DAYS, 30): unpaid requests
    expire and the person is told; running the job twice is harmless."""
    publish()
    with time_machine.travel(START, tick=False) as traveller:
        request = in_review(file_request, customer, officer)
        payment = fees.fee_request(request=request, actor=officer)
        traveller.shift(dt.timedelta(days=30))
        assert fees.payments_expire_unpaid() == 0  # the last day still counts
        traveller.shift(dt.timedelta(days=1))
        mail_waiting_notices()
        with django_capture_on_commit_callbacks(execute=True):
            assert fees.payments_expire_unpaid() == 1
        assert fees.payments_expire_unpaid() == 0
    request.refresh_from_db()
    payment.refresh_from_db()
    assert request.status == Status.EXPIRED and request.closed_at is not None
    assert payment.status == PaymentStatus.EXPIRED
    event = request.events.get(to_status=Status.EXPIRED)
    assert event.actor is None and payment.reference in event.reason
    (notice,) = [m for m in mail.outbox if m.to == [customer.email]]
    assert request.reference in notice.subject
    assert payment.reference in notice.body
    assert request.notifications.filter(kind="expired").count() == 1


@override_settings(RIGHTS_FEE_UNPAID_DAYS=7)
def test_the_period_is_the_setting_and_paid_fees_never_expire(officer, customer, file_request):
    publish()
    with time_machine.travel(START, tick=False) as traveller:
        unpaid = in_review(file_request, customer, officer)
        fees.fee_request(request=unpaid, actor=officer)
        paid = in_review(file_request, customer, officer)
        fee = fees.fee_request(request=paid, actor=officer)
        fees.payment_record(payment=fee, method=PaymentMethod.CARD, actor=officer)
        traveller.shift(dt.timedelta(days=8))
        assert fees.payments_expire_unpaid() == 1
    assert RightsRequest.objects.get(pk=unpaid.pk).status == Status.EXPIRED
    assert RightsRequest.objects.get(pk=paid.pk).status == Status.IN_PROGRESS


def test_expiry_walks_in_batches(officer, customer, file_request):
    publish()
    with time_machine.travel(START, tick=False) as traveller:
        requests = [in_review(file_request, customer, officer) for _ in range(3)]
        for request in requests:
            fees.fee_request(request=request, actor=officer)
        traveller.shift(dt.timedelta(days=40))
        assert fees.payments_expire_unpaid(batch_size=2) == 3
    assert set(RightsRequest.objects.values_list("status", flat=True)) == {Status.EXPIRED}


def test_the_beat_schedule_runs_the_expiry_job():
    from django.conf import settings

    from rights.tasks import expire_unpaid_fees

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "rights.tasks.expire_unpaid_fees" in tasks
    assert expire_unpaid_fees.delay().get() == 0


def test_the_expiry_reason_is_written_in_the_customers_language(
    officer, file_request, django_capture_on_commit_callbacks
):
    """The expired notice states why in the person's language (APPI customers read Japanese)."""
    from tests.factories import ProfileFactory

    english = ProfileFactory(user__language="en").user
    japanese = ProfileFactory(user__language="ja").user
    publish()
    with time_machine.travel(START, tick=False) as traveller:
        for person in (english, japanese):
            fees.fee_request(request=in_review(file_request, person, officer), actor=officer)
        traveller.shift(dt.timedelta(days=31))
        mail_waiting_notices()
        with django_capture_on_commit_callbacks(execute=True):
            assert fees.payments_expire_unpaid() == 2
    (to_english,) = [m for m in mail.outbox if m.to == [english.email]]
    (to_japanese,) = [m for m in mail.outbox if m.to == [japanese.email]]
    assert "was not paid within 30 days" in to_english.body
    assert "30日以内" in to_japanese.body


def test_a_paid_request_is_withdrawn_only_by_staff_who_are_reminded_of_the_fee(
    officer, customer, file_request
):
    """Before paying, the person may decline the fee and withdraw (APPI art. 38, GDPR
    12(5)). After, only staff withdraw it, on the person's word, and decide the refund."""
    publish()
    request = in_review(file_request, customer, officer)
    payment = fees.fee_request(request=request, actor=officer)
    fees.payment_record(payment=payment, method=PaymentMethod.BANK_TRANSFER, actor=officer)
    request.refresh_from_db()
    workflow.transition(request, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which years?")

    assert Status.WITHDRAWN not in workflow.allowed_transitions(request, customer)
    with pytest.raises(workflow.TransitionError):
        workflow.transition(request, to=Status.WITHDRAWN, actor=customer)

    page = confirmations.transition_confirmation(
        request, to=Status.WITHDRAWN, actor=officer, reason="The customer wrote.", ground=""
    )
    assert any(
        f"The fee {payment.reference} was paid and stays paid" in line.text for line in page.lines
    )
    workflow.transition(
        request, to=Status.WITHDRAWN, actor=officer, reason="The customer wrote to stop it."
    )
    payment.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    assert payment.status == PaymentStatus.PAID  # refunded only as staff decide
