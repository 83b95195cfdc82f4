"""One client address behind the proxy (portal/kernel/client_address.py, issue 17).

gunicorn runs behind a proxy on the same host, so every request arrives from
127.0.0.1. X-Forwarded-For names the client, and is believed only from an
address in TRUSTED_PROXIES. The audit trail, the login throttle and the rate
limits all count that one address. Records of who did what from where serve
APPI art. 23 (security control measures) and GDPR art. 32.
"""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from portal.kernel.audit import audit_log
from portal.kernel.client_address import client_ip, may_lock_address, ratelimit_ip
from portal.kernel.models import AuditEvent
from portal.kernel.staff import staff_create
from tests.conftest import totp_code
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 5, 11, 9, 0, 30, tzinfo=dt.UTC)
PROXY = "127.0.0.1"
GUESSER = "203.0.113.66"
NEIGHBOUR = "198.51.100.20"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.LANGUAGE_CODE = "en"


def _via_proxy(client_address: str) -> dict:
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_address}


def _customer_login(client, email, password, client_address):
    return client.post(
        "/accounts/login/",
        {"username": email, "password": password},
        HTTP_ACCEPT_LANGUAGE="en",
        **_via_proxy(client_address),
    )


def _admin_login(client, email, password, device, client_address):
    return client.post(
        "/admin/login/",
        {"username": email, "password": password, "otp_token": totp_code(device)},
        HTTP_ACCEPT_LANGUAGE="en",
        **_via_proxy(client_address),
    )


def test_100_wrong_customer_passwords_behind_the_proxy_lock_that_address_only(
    behind_proxy, client, settings
):
    customer = ProfileFactory().user
    neighbour = ProfileFactory().user
    with time_machine.travel(START, tick=False):
        answers = [
            _customer_login(client, f"guess{n}@example.com", "wrong", GUESSER).status_code
            for n in range(100)
        ]
        # Even the right password of a real customer is refused from that address.
        assert _customer_login(client, customer.email, PASSWORD, GUESSER).status_code == 429
        # Another customer behind the same proxy logs in.
        assert _customer_login(client, neighbour.email, PASSWORD, NEIGHBOUR).status_code == 302
        client.post("/accounts/logout/", **_via_proxy(NEIGHBOUR))
        # And so does the first customer, from their own address.
        assert _customer_login(client, customer.email, PASSWORD, NEIGHBOUR).status_code == 302
    limit = settings.LOGIN_THROTTLE_IP_FAILURES
    assert answers == [200] * limit + [429] * (100 - limit)
    failed = AuditEvent.objects.filter(action="auth.login_failed")
    assert failed.count() == limit
    assert set(failed.values_list("ip_address", flat=True)) == {GUESSER}
    throttled = AuditEvent.objects.filter(action="auth.login_throttled")
    assert throttled.count() == 100 - limit + 1
    assert set(throttled.values_list("ip_address", flat=True)) == {GUESSER}
    assert {e.details["scope"] for e in throttled} == {"ip"}
    logins = AuditEvent.objects.filter(action="auth.login").order_by("id")
    assert [(e.actor_id, e.ip_address) for e in logins] == [
        (neighbour.pk, NEIGHBOUR),
        (customer.pk, NEIGHBOUR),
    ]


def test_100_wrong_staff_passwords_behind_the_proxy_lock_that_address_only(
    behind_proxy, client, settings
):
    officer, device, _ = staff_create(email="po@example.com", password=PASSWORD)
    handler, handler_device, _ = staff_create(email="handler@example.com", password=PASSWORD)
    with time_machine.travel(START, tick=False):
        answers = []
        for n in range(100):
            response = _admin_login(client, f"staff{n}@example.com", "wrong", device, GUESSER)
            answers.append("Too many failed logins" in response.content.decode())
        refused = _admin_login(client, officer.email, PASSWORD, device, GUESSER)
        assert "Too many failed logins" in refused.content.decode()
        assert client.get("/admin/", **_via_proxy(GUESSER)).status_code == 302  # not in
        response = _admin_login(client, handler.email, PASSWORD, handler_device, NEIGHBOUR)
        assert response.status_code == 302
        assert client.get("/admin/", **_via_proxy(NEIGHBOUR)).status_code == 200
    limit = settings.LOGIN_THROTTLE_IP_FAILURES
    assert answers == [False] * limit + [True] * (100 - limit)
    failed = AuditEvent.objects.filter(action="admin.login_failed")
    assert failed.count() == limit
    assert set(failed.values_list("ip_address", flat=True)) == {GUESSER}
    throttled = AuditEvent.objects.filter(action="admin.login_throttled")
    assert throttled.count() == 100 - limit + 1
    assert set(throttled.values_list("ip_address", flat=True)) == {GUESSER}
    login = AuditEvent.objects.get(action="admin.login")
    assert (login.actor_id, login.ip_address) == (handler.pk, NEIGHBOUR)


@pytest.mark.parametrize("trusted", [[], [PROXY]], ids=["no-proxy-configured", "proxy"])
def test_guessing_through_the_proxy_without_a_client_address_locks_no_one_else(
    client, settings, trusted
):
    """The proxy's own address (or this machine's) is never locked: it is everyone's."""
    settings.TRUSTED_PROXIES = trusted
    customer = ProfileFactory().user
    with time_machine.travel(START, tick=False):
        for n in range(100):
            client.post(
                "/accounts/login/",
                {"username": f"guess{n}@example.com", "password": "wrong"},
                REMOTE_ADDR=PROXY,
            )
        response = client.post(
            "/accounts/login/",
            {"username": customer.email, "password": PASSWORD},
            REMOTE_ADDR=PROXY,
        )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.login_throttled").count() == 0
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 100


def test_the_account_lock_still_applies_through_the_proxy_without_a_client_address(
    client, customer, settings
):
    settings.TRUSTED_PROXIES = [PROXY]
    with time_machine.travel(START, tick=False):
        for _ in range(settings.LOGIN_THROTTLE_ACCOUNT_FAILURES):
            client.post(
                "/accounts/login/",
                {"username": customer.email, "password": "wrong"},
                REMOTE_ADDR=PROXY,
            )
        response = client.post(
            "/accounts/login/",
            {"username": customer.email, "password": PASSWORD},
            REMOTE_ADDR=PROXY,
        )
    assert response.status_code == 429
    event = AuditEvent.objects.get(action="auth.login_throttled")
    assert event.details["scope"] == "account"


# --- the policy itself ----------------------------------------------------------------


def _request(remote="192.0.2.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        # Nothing configured: the connecting address, whatever the headers say.
        ([], "192.0.2.1", "203.0.113.9", "192.0.2.1"),
        ([], PROXY, "203.0.113.9", PROXY),
        # The header is believed only from a trusted proxy.
        ([PROXY], "192.0.2.1", "203.0.113.9", "192.0.2.1"),
        ([PROXY], PROXY, "203.0.113.9", "203.0.113.9"),
        # What a client wrote into the header itself stands left and is never used.
        ([PROXY], PROXY, "10.9.9.9, 198.51.100.1, 203.0.113.9", "203.0.113.9"),
        # A load balancer in front of the proxy: trusted hops are skipped.
        (["127.0.0.1", "10.0.0.0/8"], PROXY, "198.51.100.1, 203.0.113.9, 10.0.0.5", "203.0.113.9"),
        # A private client address is still a client address.
        ([PROXY], PROXY, "192.168.1.20", "192.168.1.20"),
        # An IPv6 client, an IPv4-mapped proxy address.
        ([PROXY], "::ffff:127.0.0.1", "2001:db8::7", "2001:db8::7"),
        # No header, only proxies, or junk where the client should be: the proxy.
        ([PROXY], PROXY, None, PROXY),
        ([PROXY], PROXY, "127.0.0.1", PROXY),
        ([PROXY], PROXY, "203.0.113.9, not-an-address", PROXY),
        ([PROXY], PROXY, "0.0.0.0", PROXY),
        # No address at all (a Unix socket without a proxy entry).
        ([PROXY], "", "203.0.113.9", None),
    ],
)
def test_client_address_policy(settings, trusted, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = trusted
    assert client_ip(_request(remote, forwarded)) == expected


def test_other_forwarding_headers_are_never_believed(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    request = RequestFactory().get(
        "/",
        REMOTE_ADDR=PROXY,
        HTTP_X_REAL_IP="203.0.113.1",
        HTTP_FORWARDED="for=203.0.113.2",
        HTTP_CLIENT_IP="203.0.113.3",
        HTTP_CF_CONNECTING_IP="203.0.113.4",
    )
    assert client_ip(request) == PROXY


def test_addresses_that_are_never_locked(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert may_lock_address("203.0.113.9")
    assert may_lock_address("192.168.1.20")
    assert not may_lock_address("10.1.2.3")  # a trusted proxy
    assert not may_lock_address("127.0.0.1")  # this machine
    assert not may_lock_address("::1")
    assert not may_lock_address(None)
    assert not may_lock_address("")


def test_a_malformed_trusted_proxy_stops_the_start(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "proxy.internal"]
    with pytest.raises(ImproperlyConfigured, match="proxy.internal"):
        client_ip(_request(PROXY, "203.0.113.9"))


def test_the_audit_trail_records_the_client_address(settings, customer):
    settings.TRUSTED_PROXIES = [PROXY]
    event = audit_log(action="test.seen", actor=customer, request=_request(PROXY, GUESSER))
    assert event.ip_address == GUESSER


def test_rate_limits_count_the_client_address_not_the_proxy(settings, fresh_rate_limits):
    """django-ratelimit's RATELIMIT_IP_META_KEY is the same policy."""
    from rights.requesters.throttle import throttled

    settings.TRUSTED_PROXIES = [PROXY]
    settings.RIGHTS_PUBLIC_RATE_START_IP = "3/h"
    assert ratelimit_ip(_request(PROXY, GUESSER)) == GUESSER
    with time_machine.travel(START, tick=False):
        results = [throttled(_request(PROXY, GUESSER), step="start") for _ in range(5)]
        neighbour = throttled(_request(PROXY, NEIGHBOUR), step="start")
        # A forged header from outside the proxy counts against the sender's own address.
        forged = [
            throttled(_request("192.0.2.77", f"198.51.100.{n}"), step="start") for n in range(5)
        ]
    assert results == [None, None, None, "3/h", "3/h"]
    assert neighbour is None
    assert forged == [None, None, None, "3/h", "3/h"]


def test_ratelimit_without_an_address_is_a_configuration_error(settings):
    settings.TRUSTED_PROXIES = []
    with pytest.raises(ImproperlyConfigured):
        ratelimit_ip(_request("", None))


def _settings_in_a_new_process(trusted_proxies: str):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(TRUSTED_PROXIES=trusted_proxies, DJANGO_SETTINGS_MODULE="portal.settings")
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.TRUSTED_PROXIES)"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_setting_is_read_from_the_environment_comma_separated():
    result = _settings_in_a_new_process("127.0.0.1, 10.0.0.0/8 ,::1,")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['127.0.0.1', '10.0.0.0/8', '::1']"
    refused = _settings_in_a_new_process("127.0.0.1,proxy.internal")
    assert refused.returncode != 0
    assert "TRUSTED_PROXIES: 'proxy.internal' is not an IP address or network" in refused.stderr
