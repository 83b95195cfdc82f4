"""A closed request keeps the regime, deadlines and assignee it was answered under, and
a fee asked under one regime is not left payable under another (GDPR art. 12(5): the
first copy is free; APPI art. 38: a fee only where published)."""

import pytest
from django.core.exceptions import ValidationError

from rights import fees, services, workflow
from rights.choices import PaymentStatus, Regime, Status

from .fee_support import in_review, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(customer, officer, file_request):
    request = file_request(customer)
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    workflow.transition(request, to=Status.WITHDRAWN, actor=officer, reason="Asked by mistake")
    request.refresh_from_db()
    return request


def test_a_closed_requests_regime_is_not_changed(closed, officer):
    due_at, regime = closed.due_at, closed.regime
    with pytest.raises(ValidationError, match="closed"):
        services.request_change_regime(
            request=closed, regime=Regime.GDPR, reason="Lives in Berlin", actor=officer
        )
    closed.refresh_from_db()
    assert (closed.regime, closed.due_at) == (regime, due_at)
    assert not closed.events.filter(kind="regime").exists()


def test_a_closed_request_is_not_assigned(closed, officer):
    with pytest.raises(ValidationError, match="closed"):
        services.request_assign(requests=[closed], assignee=officer, actor=officer)
    closed.refresh_from_db()
    assert closed.assignee_id is None


def test_the_working_pages_forms_refuse_a_closed_request_with_a_message(
    officer_client, officer, closed
):
    officer_client.cookies["django_language"] = "en"
    base = f"/admin/rights/rightsrequest/{closed.pk}"
    response = officer_client.post(
        f"{base}/regime/", {"regime": "gdpr", "reason": "Lives in Berlin"}, follow=True
    )
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "closed" in shown and "now under" not in shown
    response = officer_client.post(f"{base}/assign/", {"assignee": officer.pk}, follow=True)
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "closed" in shown and "Assigned to" not in shown
    closed.refresh_from_db()
    assert closed.regime == Regime.APPI and closed.assignee_id is None


def test_the_regime_is_not_changed_while_a_fee_awaits_payment(customer, officer, file_request):
    """An APPI fee asked, then the request moved to GDPR, stayed payable and was paid."""
    publish(amount=1000)
    request = in_review(file_request, customer, officer)
    fees.fee_request(request=request, actor=officer)
    request.refresh_from_db()
    assert request.status == Status.AWAITING_PAYMENT
    with pytest.raises(ValidationError, match="fee"):
        services.request_change_regime(
            request=request, regime=Regime.GDPR, reason="EU resident", actor=officer
        )
    request.refresh_from_db()
    assert request.regime == Regime.APPI
    assert request.payments.get().status == PaymentStatus.PENDING
    # Back to review, which cancels the fee; then the regime can change.
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer, reason="EU resident")
    services.request_change_regime(
        request=request, regime=Regime.GDPR, reason="EU resident", actor=officer
    )
    request.refresh_from_db()
    assert request.regime == Regime.GDPR
