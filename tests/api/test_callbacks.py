"""Callbacks: a real HTTP receiver on a loopback port gets every status change once,
signed, and after its own failures through the retries."""

import json
import socket
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consent.models import ProcessingRestriction
from consent.services import restriction_create
from portal.kernel.api import callbacks
from portal.kernel.models import CallbackAttempt, CallbackDelivery, Service
from rights.choices import RejectionGround, Status
from rights.models import RightsRequest
from rights.workflow import transition
from tests.consent_support import purpose

from .receiver_support import callback_put

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(client, make_client, service_a, receiver):
    """A client of service A whose callback URL is a live receiver, set through the API."""

    def make(fail=0, scopes=("requests:write", "requests:read")):
        api_client, headers = make_client(scopes, [service_a])
        live = receiver(fail)
        live.secret = callback_put(client, headers, live.url)
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
    _api_client, _headers, live = subscribed(scopes=["consent:read"])
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


def _restrict(customer):
    return restriction_create(
        subject=customer,
        scope=ProcessingRestriction.Scope.USE,
        source=ProcessingRestriction.Source.STAFF,
        purpose=purpose("marketing"),
    )


def test_a_client_without_consent_read_is_not_told_of_a_restriction(
    subscribed, customer_a, django_capture_on_commit_callbacks
):
    """Which customers stopped which use is what consent:read answers; a client
    that may only file and read requests is not sent it through its callback."""
    _api_client, _headers, live = subscribed(
        scopes=["requests:write", "requests:read", "fulfilment:write"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        _restrict(customer_a)

    assert live.calls == []


def test_a_client_that_only_asks_permissions_is_not_told_of_requests(
    client, make_client, subscribed, customer_a, django_capture_on_commit_callbacks
):
    """A request and its status are what the requests' scopes answer: a client of
    the same service that may only ask permissions is not sent them."""
    _api_client, _headers, live = subscribed(scopes=["consent:read"])
    _filer, headers = make_client(["requests:write"], [Service.objects.get(code="mobile")])

    with django_capture_on_commit_callbacks(execute=True):
        _file(client, headers)

    assert live.calls == []


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
    malformed = ("http://[h", "https://hooks.example.com:port/x")  # urlsplit raises on these
    for url in (*bad, *malformed):
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


@pytest.fixture
def dns(monkeypatch):
    """Answers for host names, as the resolver would give them (``dns["host"] = [...]``);
    other names and addresses go to the real resolver."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            addresses = answers[host]
            if callable(addresses):
                addresses = addresses()
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, port, 0, 0) if ":" in a else (a, port),
                )
                for a in addresses
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


INTERNAL_URLS = (
    "https://169.254.169.254/latest/meta-data",
    "https://localhost:6379/",
    "https://127.0.0.1/x",
    "https://127.1.2.3/x",
    "https://2130706433/x",  # 127.0.0.1 written as a number
    "https://10.0.0.5/admin",
    "https://172.16.0.1/x",
    "https://192.168.1.1/x",
    "https://100.64.0.1/x",  # shared address space (carrier NAT)
    "https://0.0.0.0/x",
    "https://224.0.0.1/x",
    "https://240.0.0.1/x",
    "https://255.255.255.255/x",
    "https://[::1]/x",
    "https://[::]/x",
    "https://[fe80::1]/x",
    "https://[fc00::1]/x",
    "https://[ff02::1]/x",
    "https://[::ffff:10.0.0.5]/x",
    "https://[64:ff9b::a00:5]/x",  # NAT64 of 10.0.0.5
    "https://[2002:a00:5::1]/x",  # 6to4 of 10.0.0.5
    "https://internal.example.com/x",
    "https://mixed.example.com/x",
)


@pytest.mark.parametrize("loopback_http", [False, True])
def test_callback_urls_to_this_machine_or_a_private_network_are_refused(
    client, make_client, settings, dns, loopback_http
):
    settings.API_CALLBACK_ALLOW_LOOPBACK_HTTP = loopback_http
    dns["internal.example.com"] = ["10.1.2.3"]
    dns["mixed.example.com"] = ["93.184.216.34", "fd00::7"]
    dns["hooks.example.com"] = ["93.184.216.34", "2606:2800:220:1::1"]
    callbacks.check_callback_url("https://hooks.example.com/rights")
    for url in INTERNAL_URLS:
        with pytest.raises(ValidationError, match="not a public internet address"):
            callbacks.check_callback_url(url)

    api_client, headers = make_client(["requests:read"])
    for url in INTERNAL_URLS:
        response = client.put(
            "/api/v1/callback",
            json.dumps({"url": url}),
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code == 422, url
        assert response.json()["type"].endswith("/invalid-callback-url")
        assert "not a public internet address" in response.json()["detail"]
    api_client.refresh_from_db()
    assert (api_client.callback_url, api_client.callback_secret) == ("", "")


def test_the_documented_loopback_exception_is_plain_http_in_development_only(settings):
    settings.API_CALLBACK_ALLOW_LOOPBACK_HTTP = True
    for url in ("http://127.0.0.1:8000/x", "http://localhost:8000/x", "http://[::1]:8000/x"):
        callbacks.check_callback_url(url)
    for url in ("http://10.0.0.5/x", "http://127.0.0.2/x", "http://hooks.example.com/x"):
        with pytest.raises(ValidationError):
            callbacks.check_callback_url(url)


def test_a_host_that_resolves_to_this_machine_at_delivery_is_not_posted_to(
    client,
    subscribed,
    make_client,
    service_a,
    customer_a,
    dns,
    receiver,
    settings,
    django_capture_on_commit_callbacks,
):
    """Registered while public; at the attempt the name answers with a loopback
    address (where a receiver listens): refused, the delivery failed with the reason."""
    live = receiver()
    port = live.server.server_port
    api_client, headers = make_client(["requests:write"], [service_a])
    dns["hooks.example.com"] = ["93.184.216.34"]
    response = client.put(
        "/api/v1/callback",
        json.dumps({"url": f"https://hooks.example.com:{port}/hooks"}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    dns["hooks.example.com"] = ["127.0.0.1"]

    with django_capture_on_commit_callbacks(execute=True):
        _file(client, headers)

    delivery = CallbackDelivery.objects.get(client=api_client)
    assert (delivery.state, delivery.next_attempt_at) == ("failed", None)
    [attempt] = CallbackAttempt.objects.filter(delivery=delivery)
    assert attempt.status_code is None
    assert attempt.error == (
        "Refused: The callback host hooks.example.com resolves to 127.0.0.1, "
        "not a public internet address."
    )
    assert live.calls == []


def test_a_name_that_changes_its_answer_between_check_and_connection_is_refused(
    client, make_client, service_a, customer_a, dns, receiver, django_capture_on_commit_callbacks
):
    """The connection resolves the name itself and checks what it connects to."""
    live = receiver()
    port = live.server.server_port
    api_client, headers = make_client(["requests:write"], [service_a])
    answers = iter([["93.184.216.34"], ["93.184.216.34"], ["127.0.0.1"]])
    dns["rebind.example.com"] = lambda: next(answers)
    response = client.put(
        "/api/v1/callback",
        json.dumps({"url": f"https://rebind.example.com:{port}/hooks"}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        _file(client, headers)

    delivery = CallbackDelivery.objects.get(client=api_client)
    assert delivery.state == "failed"
    assert CallbackAttempt.objects.get(delivery=delivery).error == (
        "Refused: The callback host rebind.example.com resolves to 127.0.0.1, "
        "not a public internet address."
    )
    assert live.calls == []


def test_a_deactivated_client_is_sent_nothing_more_and_its_deliveries_end(
    client, subscribed, customer_a, officer, django_capture_on_commit_callbacks
):
    api_client, headers, live = subscribed(fail=1)
    with django_capture_on_commit_callbacks(execute=True):
        request = _file(client, headers)  # the first attempt fails: to be retried
    api_client.is_active = False
    api_client.save(update_fields=["is_active"])
    queued = CallbackDelivery.objects.create(
        client=api_client, event_type="request.status_changed", payload={}
    )  # written before the client was deactivated, its attempt still queued

    with django_capture_on_commit_callbacks(execute=True):
        assert callbacks.retry_due(now=timezone.now() + timedelta(minutes=1)) == 1
        assert callbacks.deliver(queued.pk) is False
        callbacks.replay(delivery=queued, actor=officer)
        transition(request, to=Status.IN_REVIEW, actor=officer)  # no new event for it

    assert len(live.calls) == 1 and live.events == []
    for delivery in CallbackDelivery.objects.filter(client=api_client):
        assert (delivery.state, delivery.next_attempt_at) == ("failed", None)
        last = CallbackAttempt.objects.filter(delivery=delivery).last()
        assert last.error == "Not sent: the client is inactive."
    assert CallbackDelivery.objects.filter(client=api_client).count() == 2
    assert callbacks.retry_due(now=timezone.now() + timedelta(hours=3)) == 0
