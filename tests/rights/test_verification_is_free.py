"""CCPA regs §7060: a business never charges the consumer for verifying their identity
(the portal keeps to it under every law: APPI art. 37 asks that the procedure not burden
the person excessively). No fee, not even a published one, is asked while the request
waits for its identity check; a fee may be asked once the person is verified."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rights import fees, workflow
from rights.choices import DeliveryMethod, Status
from rights.models import Payment
from tests.rights.fee_support import publish

pytestmark = pytest.mark.django_db


def test_ccpa_7060_no_fee_is_asked_while_identity_is_verified(officer, customer, file_request):
    publish()
    request = file_request(customer, delivery_method=DeliveryMethod.ELECTRONIC)
    workflow.transition(request, to=Status.AWAITING_VERIFICATION, actor=officer)
    with pytest.raises(ValidationError, match="in review"):
        fees.fee_request(request=request, actor=officer)
    request.refresh_from_db()
    assert request.status == Status.AWAITING_VERIFICATION
    assert not Payment.objects.exists()

    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    payment = fees.fee_request(request=request, actor=officer)
    assert payment.amount == 1000
