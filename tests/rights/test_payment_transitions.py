"""The fee's own state machine (rights.payment_transitions): every move and every
refusal, through the service and through the admin's fee endpoints (APPI art. 38;
GDPR 12(5), 15(3))."""

from __future__ import annotations

import ast
import datetime as dt
import itertools
from pathlib import Path

import pytest
from django.contrib.messages import ERROR, WARNING, get_messages
from django.utils import timezone

from portal.kernel.models import AuditEvent
from rights import fees, workflow
from rights.choices import EventKind, PaymentMethod, PaymentStatus, Status
from rights.models import Payment, RequestEvent
from rights.payment_transitions import (
    PAYMENT_TRANSITIONS,
    PaymentTransitionError,
    payment_transition,
)
from tests.rights.fee_support import in_review, publish

pytestmark = pytest.mark.django_db

ALLOWED = {
    (PaymentStatus.PENDING, PaymentStatus.PAID),
    (PaymentStatus.PENDING, PaymentStatus.WAIVED),
    (PaymentStatus.PENDING, PaymentStatus.EXPIRED),
    (PaymentStatus.PENDING, PaymentStatus.CANCELLED),
    (PaymentStatus.PAID, PaymentStatus.REFUNDED),
}


@pytest.fixture
def payment(officer, customer, file_request):
    publish(amount=1200)
    request = in_review(file_request, customer, officer)
    return fees.fee_request(request=request, actor=officer)


def written(payment: Payment) -> tuple:
    payment.refresh_from_db()
    return (
        payment.status,
        payment.closed_at,
        payment.confirmed_at,
        payment.refunded_at,
        RequestEvent.objects.filter(request_id=payment.request_id).count(),
        AuditEvent.objects.count(),
    )


def test_the_table_is_exactly_the_allowed_moves():
    table = {(f, t) for f, moves in PAYMENT_TRANSITIONS.items() for t in moves}
    assert table == ALLOWED


def test_every_pair_of_fee_statuses(payment, officer):
    """Each allowed move writes one fee event and one audit event; every other move is
    refused and writes nothing; the same status again writes nothing."""
    refused = moved = 0
    for from_status, to_status in itertools.product(PaymentStatus.values, repeat=2):
        Payment.objects.filter(pk=payment.pk).update(
            status=from_status, closed_at=None, confirmed_at=None, refunded_at=None
        )
        before = written(payment)
        events, audits = before[-2], before[-1]
        changes = {"method": PaymentMethod.BANK_TRANSFER} if to_status == "paid" else {}
        if from_status == to_status:
            assert payment_transition(payment, to=to_status, actor=officer, reason="r") is None
            assert written(payment) == before
            continue
        if (from_status, to_status) not in ALLOWED:
            with pytest.raises(PaymentTransitionError):
                payment_transition(
                    payment, to=to_status, actor=officer, reason="r", changes=changes
                )
            assert written(payment) == before, (from_status, to_status)
            refused += 1
            continue
        locked = payment_transition(
            payment, to=to_status, actor=officer, reason="because", changes=changes
        )
        assert locked.status == to_status
        after = written(payment)
        assert after[0] == to_status
        assert after[-2:] == (events + 1, audits + 1), (from_status, to_status)
        event = RequestEvent.objects.filter(request_id=payment.request_id).latest("pk")
        assert event.kind == EventKind.FEE
        assert event.details["from"] == from_status and event.details["status"] == to_status
        assert AuditEvent.objects.latest("pk").action == f"fee.{to_status}"
        moved += 1
    assert (moved, refused) == (5, 6 * 5 - 5)


@pytest.mark.parametrize("to", [PaymentStatus.WAIVED, PaymentStatus.REFUNDED])
def test_waiving_and_refunding_need_a_reason(payment, officer, to):
    if to == PaymentStatus.REFUNDED:
        fees.payment_record(payment=payment, method=PaymentMethod.CARD, actor=officer)
    before = written(payment)
    with pytest.raises(PaymentTransitionError, match="reason"):
        payment_transition(payment, to=to, actor=officer, reason="  ")
    assert written(payment) == before


def test_leaving_awaiting_payment_cancels_the_fee_with_its_own_event(payment, officer, customer):
    """Withdrawn while unpaid: the fee is cancelled through its table, on the timeline and
    in the audit trail, in the same transaction as the withdrawal."""
    request = payment.request
    workflow.transition(request, to=Status.WITHDRAWN, actor=customer)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED and payment.closed_at is not None
    fee_events = RequestEvent.objects.filter(request=request, kind=EventKind.FEE)
    assert [e.details["status"] for e in fee_events.order_by("pk")] == [PaymentStatus.CANCELLED]
    assert AuditEvent.objects.filter(action="fee.cancelled").count() == 1


def test_an_unpaid_fee_expires_with_its_request(payment, officer):
    Payment.objects.filter(pk=payment.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    assert fees.payments_expire_unpaid() == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED
    assert payment.request.status == Status.EXPIRED
    assert AuditEvent.objects.filter(action="fee.expired").count() == 1
    assert fees.payments_expire_unpaid() == 0


# -- the admin's fee endpoints ----------------------------------------------------------------


def _post(client, payment, action: str, data: dict) -> list:
    client.cookies["django_language"] = "en"
    client.cookies.pop("messages", None)
    url = f"/admin/rights/rightsrequest/{payment.request_id}/fee/{payment.pk}/{action}/"
    # As sent from the confirmation page (tests/rights/test_fee_actions_confirmed.py).
    response = client.post(url, {**data, "confirm": "1"})
    assert response.status_code == 302
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


def paid_form() -> dict:
    return {"method": "bank_transfer", "paid_on": timezone.localdate().isoformat()}


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        (PaymentStatus.PENDING, "refund", "Only a paid fee can be refunded."),
        (
            PaymentStatus.CANCELLED,
            "paid",
            "This fee is “Cancelled”; only a fee awaiting payment can be paid.",
        ),
        (
            PaymentStatus.EXPIRED,
            "waive",
            "This fee is “Expired unpaid”; only a fee awaiting payment can be waived.",
        ),
        (
            PaymentStatus.REFUNDED,
            "paid",
            "This fee is “Refunded”; only a fee awaiting payment can be paid.",
        ),
        (PaymentStatus.WAIVED, "refund", "Only a paid fee can be refunded."),
        (
            PaymentStatus.PAID,
            "waive",
            "This fee is “Paid”; only a fee awaiting payment can be waived.",
        ),
    ],
)
def test_an_illegal_fee_move_posted_to_the_admin_is_refused_and_writes_nothing(
    officer_client, payment, status, action, message
):
    Payment.objects.filter(pk=payment.pk).update(status=status)
    before = written(payment)
    form = paid_form() if action == "paid" else {"reason": "Asked by the customer"}
    assert _post(officer_client, payment, action, form) == [(ERROR, message)]
    assert written(payment) == before


def test_a_fee_is_paid_then_refunded_through_the_admin(officer_client, payment):
    _post(officer_client, payment, "paid", paid_form())
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.request.status == Status.IN_PROGRESS
    _post(officer_client, payment, "refund", {"reason": "Charged twice"})
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and payment.refund_reason == "Charged twice"
    statuses = [
        e.details["status"]
        for e in RequestEvent.objects.filter(request_id=payment.request_id, kind=EventKind.FEE)
    ]
    assert statuses == [PaymentStatus.PAID, PaymentStatus.REFUNDED]


@pytest.mark.parametrize(
    ("action", "status"),
    [("paid", PaymentStatus.PAID), ("waive", PaymentStatus.WAIVED)],
)
def test_recording_a_fee_move_again_says_nothing_changed(officer_client, payment, action, status):
    """A second click: what was recorded first stands and the page says so."""
    form = paid_form() if action == "paid" else {"reason": "Asked by the customer"}
    _post(officer_client, payment, action, form)
    payment.refresh_from_db()
    assert payment.status == status
    before = written(payment)
    shown = _post(officer_client, payment, action, {**form, "reason": "Another reason"})
    assert shown == [
        (WARNING, f"This fee is already “{payment.get_status_display()}”; nothing changed.")
    ]
    assert written(payment) == before


def test_only_the_payment_module_sets_a_fee_status():
    """Every ``….status = PaymentStatus.X`` and ``update(status=PaymentStatus.X)`` in the
    code lives in rights/payment_transitions.py."""
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in itertools.chain(
        *(root.joinpath(app).rglob("*.py") for app in ("rights", "portal", "consent"))
    ):
        if path.name == "payment_transitions.py" or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            values = []
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr == "status" for t in node.targets
            ):
                values = [node.value]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "update":
                values = [k.value for k in node.keywords if k.arg == "status"]
            for value in values:
                if "PaymentStatus" in ast.unparse(value):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []


def test_appi_art_38_staff_cannot_close_an_unpaid_request_before_its_pay_by_date(
    officer, customer, file_request
):
    """APPI art. 38: the person was told the request closes if the fee has not arrived by
    the pay-by date; until that day ends staff cannot expire it (they may withdraw it on
    the person's word)."""
    publish()
    request = in_review(file_request, customer, officer)
    payment = fees.fee_request(request=request, actor=officer)
    with pytest.raises(workflow.TransitionError):
        workflow.transition(request, to=Status.EXPIRED, actor=officer, reason="Not paid.")
    request.refresh_from_db()
    payment.refresh_from_db()
    assert request.status == Status.AWAITING_PAYMENT
    assert payment.status == PaymentStatus.PENDING
    Payment.objects.filter(pk=payment.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    workflow.transition(request, to=Status.EXPIRED, actor=officer, reason="Not paid.")
    assert request.status == Status.EXPIRED
