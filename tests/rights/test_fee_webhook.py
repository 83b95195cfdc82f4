"""The payment provider webhook: signature checked, each event applied once."""

import json

import pytest
from django.test import Client, override_settings

from portal.models import AuditEvent
from rights import fees
from rights.choices import EventKind, PaymentMethod, PaymentStatus, Status
from rights.models import PaymentEvent, RequestEvent
from rights.payments import FakeProvider
from tests.rights.fee_support import in_review, publish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_secret")]

URL = "/payments/webhook/fake/"
SECRET = "whsec-test-3f9a"


@pytest.fixture
def webhook_secret():
    with override_settings(PAYMENT_WEBHOOK_SECRET=SECRET):
        yield


@pytest.fixture
def pending_fee(officer, customer, file_request):
    publish(amount=1000)
    request = in_review(file_request, customer, officer)
    return fees.fee_request(request=request, actor=officer)


@pytest.fixture
def provider_client():
    # A provider has no session and no CSRF token.
    return Client(enforce_csrf_checks=True)


def deliver(client, payload: dict, *, secret=SECRET, signature=None):
    body = json.dumps(payload).encode()
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        HTTP_X_SIGNATURE=signature if signature is not None else FakeProvider.sign(body, secret),
    )


def paid_event(payment, event_id="evt_001", **overrides):
    return {
        "id": event_id,
        "type": "payment.succeeded",
        "reference": payment.reference,
        "amount": payment.amount,
        **overrides,
    }


def test_a_signed_payment_event_records_the_payment_and_moves_the_request_on(
    provider_client, pending_fee
):
    response = deliver(provider_client, paid_event(pending_fee))
    assert response.status_code == 200
    assert response.json() == {"status": "recorded"}
    pending_fee.refresh_from_db()
    assert pending_fee.status == PaymentStatus.PAID
    assert pending_fee.method == PaymentMethod.CARD and pending_fee.provider == "fake"
    assert pending_fee.confirmed_by is None
    assert pending_fee.request.status == Status.IN_PROGRESS
    event = pending_fee.request.events.get(to_status=Status.IN_PROGRESS)
    assert event.actor is None  # the system moved it


@pytest.mark.parametrize(
    "signature",
    ["", "0" * 64, FakeProvider.sign(b"another body", SECRET), "not-hex"],
)
def test_a_bad_signature_is_refused_and_changes_nothing(provider_client, pending_fee, signature):
    audits = AuditEvent.objects.count()
    events = RequestEvent.objects.count()
    response = deliver(provider_client, paid_event(pending_fee), signature=signature)
    assert response.status_code == 400
    pending_fee.refresh_from_db()
    assert pending_fee.status == PaymentStatus.PENDING
    assert pending_fee.request.status == Status.AWAITING_PAYMENT
    assert not PaymentEvent.objects.exists()
    assert AuditEvent.objects.count() == audits
    assert RequestEvent.objects.count() == events


def test_a_signature_made_with_another_secret_is_refused(provider_client, pending_fee):
    response = deliver(provider_client, paid_event(pending_fee), secret="guessed")
    assert response.status_code == 400
    pending_fee.refresh_from_db()
    assert pending_fee.status == PaymentStatus.PENDING


@override_settings(PAYMENT_WEBHOOK_SECRET="")
def test_without_a_configured_secret_every_call_is_refused(provider_client, pending_fee):
    response = deliver(provider_client, paid_event(pending_fee), secret="")
    assert response.status_code == 400
    assert not PaymentEvent.objects.exists()


def test_the_same_event_twice_records_one_payment(provider_client, pending_fee):
    first = deliver(provider_client, paid_event(pending_fee))
    second = deliver(provider_client, paid_event(pending_fee))
    assert first.status_code == second.status_code == 200
    assert second.json() == {"status": "recorded"}
    assert PaymentEvent.objects.count() == 1
    request = pending_fee.request
    assert request.events.filter(kind=EventKind.FEE).count() == 1
    assert request.events.filter(to_status=Status.IN_PROGRESS).count() == 1
    assert AuditEvent.objects.filter(action="fee.paid").count() == 1


def test_another_event_for_a_paid_fee_records_nothing_more(provider_client, pending_fee):
    deliver(provider_client, paid_event(pending_fee, event_id="evt_1"))
    response = deliver(provider_client, paid_event(pending_fee, event_id="evt_2"))
    assert response.json() == {"status": "not_pending"}
    assert AuditEvent.objects.filter(action="fee.paid").count() == 1


def test_a_wrong_amount_or_unknown_reference_is_kept_for_staff_and_pays_nothing(
    provider_client, pending_fee
):
    short = deliver(provider_client, paid_event(pending_fee, event_id="evt_a", amount=100))
    unknown = deliver(provider_client, paid_event(pending_fee, event_id="evt_b", reference="F-X"))
    assert short.json() == {"status": "wrong_amount"}
    assert unknown.json() == {"status": "unknown_reference"}
    pending_fee.refresh_from_db()
    assert pending_fee.status == PaymentStatus.PENDING
    assert PaymentEvent.objects.get(event_id="evt_a").payment == pending_fee


def test_other_event_types_are_acknowledged_and_ignored(provider_client, pending_fee):
    response = deliver(provider_client, paid_event(pending_fee, type="payment.created"))
    assert response.status_code == 200 and response.json() == {"status": "ignored"}
    pending_fee.refresh_from_db()
    assert pending_fee.status == PaymentStatus.PENDING


def test_unknown_provider_and_get_are_refused(provider_client):
    unknown = provider_client.post(
        "/payments/webhook/nobody/", data=b"{}", content_type="application/json"
    )
    assert unknown.status_code == 404
    assert provider_client.get(URL).status_code == 405
