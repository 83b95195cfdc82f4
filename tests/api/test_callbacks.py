"""Callbacks: a real HTTP receiver on a loopback port gets every status change once,
signed, and after its own failures through the retries."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consent.models import ProcessingRestriction
from consent.services import restriction_create
from portal.kernel.api import callbacks
from portal.kernel.models import CallbackAttempt, CallbackDelivery
from rights.choices import RejectionGround, Status
from rights.models import RightsRequest
from rights.workflow import transition
from tests.consent_support import purpose

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server on 127.0.0.1 that checks each callback's signature.

    It answers 500 to its first ``fail`` calls, 204 after that; ``events`` are
    the bodies it accepted, ``calls`` every call.
    """

    def __init__(self, fail: int = 0):
        self.fail = fail
        self.secret = ""
        self.calls: list[dict] = []
        self.events: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append({"headers": dict(self.headers), "body": body})
                timestamp = self.headers["Webhook-Timestamp"]
                expected = hmac.new(
                    receiver.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
                ).hexdigest()
                signed = hmac.compare_digest(self.headers["Webhook-Signature"], "v1=" + expected)
                if not signed:
                    self.send_response(401)
                elif len(receiver.calls) <= receiver.fail:
                    self.send_response(500)
                else:
                    receiver.events.append(json.loads(body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.API_CALLBACK_ALLOW_LOOPBACK_HTTP = True
    made = []

    def make(fail=0):
        made.append(Receiver(fail))
        return made[-1]

    yield make
    for server in made:
        server.stop()


@pytest.fixture
def subscribed(client, make_client, service_a, receiver):
    """A client of service A whose callback URL is a live receiver, set through the API."""

    def make(fail=0):
        api_client, headers = make_client(["requests:write", "requests:read"], [service_a])
        live = receiver(fail)
        response = client.put(
            "/api/v1/callback",
            json.dumps({"url": live.url}),
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code == 200, response.content
        live.secret = response.json()["signing_secret"]
        return api_client, headers, live

    return make


def _file(client, headers):
    body = {
        "subject": "M-A-0001",
        "kind": "disclosure",
        "identity_verification": "verified",
        "idempotency_key": "k1",
    }
    response = client.post(
        "/api/v1/requests", json.dumps(body), content_type="application/json", headers=headers
    )
    assert response.status_code == 201, response.content
    return RightsRequest.objects.get(channel="api")


def test_the_receiver_gets_every_status_change_once_signed(
    client, subscribed, customer_a, officer, django_capture_on_commit_callbacks
):
    _api_client, headers, live = subscribed()

    with django_capture_on_commit_callbacks(execute=True):
        request = _file(client, headers)
    with django_capture_on_commit_callbacks(execute=True):
        transition(request, to=Status.IN_REVIEW, actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        transition(
            request,
            to=Status.REJECTED,
            actor=officer,
            reason="Could not confirm.",
            ground=RejectionGround.IDENTITY,
        )
    with django_capture_on_commit_callbacks(execute=True):
        callbacks.retry_due(now=timezone.now() + timedelta(hours=3))  # nothing is due

    changes = [(e["data"]["previous_status"], e["data"]["status"]) for e in live.events]
    assert changes == [(None, "submitted"), ("submitted", "in_review"), ("in_review", "rejected")]
    assert [e["data"]["opendsr_status"] for e in live.events] == ["pending", "pending", "cancelled"]
    assert len({e["id"] for e in live.events}) == 3
    assert {e["data"]["reference"] for e in live.events} == {request.reference}
    assert all(e["type"] == "request.status_changed" for e in live.events)
    first = live.calls[0]["headers"]
    assert first["Webhook-Id"] == live.events[0]["id"]
    assert "@" not in json.dumps(live.events)  # nothing personal
    assert len(live.calls) == 3


def test_a_receiver_that_fails_twice_still_gets_the_event_after_retries(
    client, subscribed, customer_a, django_capture_on_commit_callbacks
):
    _api_client, headers, live = subscribed(fail=2)

    with django_capture_on_commit_callbacks(execute=True):
        _file(client, headers)
    delivery = CallbackDelivery.objects.get()
    assert (delivery.state, delivery.attempts, live.events) == ("pending", 1, [])

    with django_capture_on_commit_callbacks(execute=True):
        assert callbacks.retry_due(now=timezone.now() + timedelta(seconds=31)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert callbacks.retry_due(now=timezone.now() + timedelta(seconds=30)) == 0  # backing off
        assert callbacks.retry_due(now=timezone.now() + timedelta(minutes=2)) == 1

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("delivered", 3)
    assert [a.status_code for a in CallbackAttempt.objects.order_by("id")] == [500, 500, 204]
    assert [e["id"] for e in live.events] == [str(delivery.event_id)]
    assert {c["headers"]["Webhook-Id"] for c in live.calls} == {str(delivery.event_id)}


def test_a_delivery_failing_for_a_day_is_given_up_and_staff_can_replay_it(
    client, subscribed, customer_a, officer, django_capture_on_commit_callbacks
):
    _api_client, headers, live = subscribed(fail=1)
    with django_capture_on_commit_callbacks(execute=True):
        _file(client, headers)
    delivery = CallbackDelivery.objects.get()
    CallbackDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(days=1, minutes=1),
        next_attempt_at=timezone.now(),
    )
    live.fail = 99
    with django_capture_on_commit_callbacks(execute=True):
        callbacks.retry_due()
    delivery.refresh_from_db()
    assert delivery.state == "failed"

    live.fail = 0
    with django_capture_on_commit_callbacks(execute=True):
        callbacks.replay(delivery=delivery, actor=officer)

    delivery.refresh_from_db()
    assert delivery.state == "delivered"
    assert CallbackAttempt.objects.filter(delivery=delivery).last().replayed_by == officer
    assert len(live.events) == 1


def test_a_new_restriction_is_posted_with_the_clients_own_member_numbers(
    subscribed, customer_a, service_b, django_capture_on_commit_callbacks
):
    _api_client, _headers, live = subscribed()
    customer_a.service_registrations.create(
        service=service_b, member_number="M-B-9", started_on=timezone.localdate()
    )

    with django_capture_on_commit_callbacks(execute=True):
        restriction_create(
            subject=customer_a,
            scope=ProcessingRestriction.Scope.USE,
            source=ProcessingRestriction.Source.STAFF,
            purpose=purpose("marketing"),
        )

    [event] = live.events
    assert event["type"] == "restriction.created"
    assert event["data"]["purpose"] == "marketing" and event["data"]["scope"] == "use"
    assert event["data"]["subject"] == [{"service": "mobile", "member_number": "M-A-0001"}]


def test_a_client_of_another_service_is_not_told(
    client, make_client, subscribed, customer_b, service_b, django_capture_on_commit_callbacks
):
    _api_client, _headers, live = subscribed()
    _other, headers_b = make_client(["requests:write"], [service_b])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/requests",
            json.dumps(
                {
                    "subject": "M-B-0001",
                    "kind": "disclosure",
                    "identity_verification": "verified",
                    "idempotency_key": "b",
                }
            ),
            content_type="application/json",
            headers=headers_b,
        )
    assert response.status_code == 201
    assert live.calls == []


def test_callback_urls_must_be_https_outside_development(client, make_client, settings):
    settings.API_CALLBACK_ALLOW_LOOPBACK_HTTP = False
    callbacks.check_callback_url("https://hooks.example.com/rights")
    bad = ("http://hooks.example.com/x", "http://127.0.0.1:8000/x", "ftp://x", "https://")
    # Not a URL at all (an unclosed IPv6 bracket): refused too, not a server error.
    for url in (*bad, "http://[h", "https://[::1"):
        with pytest.raises(ValidationError):
            callbacks.check_callback_url(url)
    _api_client, headers = make_client(["requests:read"])
    response = client.put(
        "/api/v1/callback",
        json.dumps({"url": "http://hooks.example.com/x"}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("/invalid-callback-url")
