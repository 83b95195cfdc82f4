"""The payment provider webhook: signature checked, each event applied once."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
import time_machine
from django.test import Client, override_settings

from portal.kernel.models import AuditEvent
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


def deliver(client, payload: dict, *, secret=SECRET, signature=None, headers=None):
    body = json.dumps(payload).encode()
    if headers is None:
        headers = FakeProvider.signed_headers(body, secret)
    if signature is not None:
        headers = {**headers, "X-Signature": signature}
    return client.post(URL, data=body, content_type="application/json", headers=headers)


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
    ["", "0" * 64, FakeProvider.sign(b"another body", SECRET, timestamp=0), "not-hex", "é"],
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


# -- the signature covers the time it was made (replays) ------------------------------------

# An hour after the fixtures ask the fee, so a payment then is a payment after the request.
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)


def nothing_changed(response, pending_fee, audits):
    assert response.status_code == 400
    pending_fee.refresh_from_db()
    assert pending_fee.status == PaymentStatus.PENDING
    assert pending_fee.request.status == Status.AWAITING_PAYMENT
    assert PaymentEvent.objects.count() == 0
    assert AuditEvent.objects.count() == audits


def signed_at(payload: dict, moment: dt.datetime) -> dict:
    """The headers the provider sent with ``payload`` at ``moment``."""
    body = json.dumps(payload).encode()
    return FakeProvider.signed_headers(body, SECRET, timestamp=int(moment.timestamp()))


def test_an_old_signed_body_with_a_fresh_event_id_is_refused(provider_client, pending_fee):
    """A delivery captured an hour ago carries an event id never seen: the id alone
    cannot stop its replay, the signed time does."""
    captured = paid_event(pending_fee, event_id="evt_never_seen")
    headers = signed_at(captured, NOW - dt.timedelta(hours=1))
    audits = AuditEvent.objects.count()
    with time_machine.travel(NOW, tick=False):
        response = deliver(provider_client, captured, headers=headers)
    nothing_changed(response, pending_fee, audits)


@pytest.mark.parametrize("offset", [-301, 301, -86_400 * 365, 86_400])
def test_a_timestamp_outside_the_window_is_refused_either_way(provider_client, pending_fee, offset):
    event = paid_event(pending_fee)
    headers = signed_at(event, NOW + dt.timedelta(seconds=offset))
    audits = AuditEvent.objects.count()
    with time_machine.travel(NOW, tick=False):
        response = deliver(provider_client, event, headers=headers)
    nothing_changed(response, pending_fee, audits)


@pytest.mark.parametrize("offset", [-300, 0, 300])
def test_a_timestamp_inside_the_window_is_accepted(provider_client, pending_fee, offset):
    event = paid_event(pending_fee)
    headers = signed_at(event, NOW + dt.timedelta(seconds=offset))
    with time_machine.travel(NOW, tick=False):
        response = deliver(provider_client, event, headers=headers)
    assert response.status_code == 200 and response.json() == {"status": "recorded"}
    pending_fee.refresh_from_db()
    assert pending_fee.status == PaymentStatus.PAID
    assert PaymentEvent.objects.count() == 1


@override_settings(PAYMENT_WEBHOOK_TOLERANCE_SECONDS=60)
def test_the_window_is_the_configured_tolerance(provider_client, pending_fee):
    event = paid_event(pending_fee)
    headers = signed_at(event, NOW - dt.timedelta(seconds=61))
    audits = AuditEvent.objects.count()
    with time_machine.travel(NOW, tick=False):
        response = deliver(provider_client, event, headers=headers)
    nothing_changed(response, pending_fee, audits)


@pytest.mark.parametrize("timestamp", [None, "", "abc", "²", "-5", "1e9", "9" * 13, " 1"])
def test_a_missing_or_unreadable_timestamp_is_refused(provider_client, pending_fee, timestamp):
    event = paid_event(pending_fee)
    headers = signed_at(event, NOW)
    if timestamp is None:
        del headers["X-Signature-Timestamp"]
    else:
        headers["X-Signature-Timestamp"] = timestamp
    audits = AuditEvent.objects.count()
    with time_machine.travel(NOW, tick=False):
        response = deliver(provider_client, event, headers=headers)
    nothing_changed(response, pending_fee, audits)


def test_a_signature_over_the_body_alone_is_refused(provider_client, pending_fee):
    """The old scheme (HMAC of the body, no time) no longer opens the door."""
    event = paid_event(pending_fee)
    body = json.dumps(event).encode()
    body_only = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    audits = AuditEvent.objects.count()
    with time_machine.travel(NOW, tick=False):
        headers = {**signed_at(event, NOW), "X-Signature": body_only}
        response = deliver(provider_client, event, headers=headers)
    nothing_changed(response, pending_fee, audits)
