"""Login throttling per account and per network address, on both login pages."""

import datetime as dt

import pytest
import time_machine

from portal.kernel.models import AuditEvent
from portal.kernel.staff import staff_create
from tests.conftest import totp_code
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 5, 11, 9, 0, 30, tzinfo=dt.UTC)


def _login(client, email, password, ip="198.51.100.7"):
    return client.post(
        "/accounts/login/",
        {"username": email, "password": password},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, customer, settings):
    settings.LANGUAGE_CODE = "en"
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            assert _login(client, customer.email, "wrong-guess").status_code == 200
        response = _login(client, customer.email, PASSWORD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="auth.login_throttled")
    assert event.target == f"portal.user:{customer.pk}"
    assert event.details == {"scope": "account", "known_account": True}
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 5


def test_the_account_lock_follows_the_account_not_the_address(client, customer, settings):
    with time_machine.travel(START, tick=False):
        for index in range(5):
            _login(client, customer.email.upper(), "wrong-guess", ip=f"203.0.113.{index}")
        assert _login(client, customer.email, PASSWORD, ip="192.0.2.50").status_code == 429
        # Another account from the same address is not affected.
        other = ProfileFactory().user
        assert _login(client, other.email, PASSWORD, ip="192.0.2.50").status_code == 302


def test_the_lock_ends_with_its_window(client, customer):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            _login(client, customer.email, "wrong-guess")
        assert _login(client, customer.email, PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(minutes=16))
        assert _login(client, customer.email, PASSWORD).status_code == 302


def test_a_correct_login_clears_the_account_count(client, customer):
    with time_machine.travel(START, tick=False):
        for _ in range(4):
            _login(client, customer.email, "wrong-guess")
        assert _login(client, customer.email, PASSWORD).status_code == 302
        client.post("/accounts/logout/")
        for _ in range(4):
            _login(client, customer.email, "wrong-guess")
        assert _login(client, customer.email, PASSWORD).status_code == 302


def test_one_address_guessing_many_accounts_is_locked(client, customer, settings):
    settings.LOGIN_THROTTLE_IP_FAILURES = 8
    with time_machine.travel(START, tick=False):
        for index in range(8):
            _login(client, f"guess{index}@example.com", "wrong-guess", ip="198.51.100.99")
        response = _login(client, customer.email, PASSWORD, ip="198.51.100.99")
        assert response.status_code == 429
        assert AuditEvent.objects.get(action="auth.login_throttled").details["scope"] == "ip"
        # The customer can still log in from their own network.
        assert _login(client, customer.email, PASSWORD, ip="192.0.2.8").status_code == 302


def test_unknown_and_known_addresses_are_throttled_alike(client, customer):
    """No e-mail enumeration through the lock: the same page for both."""
    with time_machine.travel(START, tick=False):
        for email in (customer.email, "nobody@example.com"):
            for _ in range(5):
                _login(client, email, "wrong-guess")
        known = _login(client, customer.email, "wrong-guess")
        unknown = _login(client, "nobody@example.com", "wrong-guess")
    assert known.status_code == unknown.status_code == 429
    assert known.context["form"].errors == unknown.context["form"].errors


def test_admin_login_is_throttled_too(client):
    officer, device, _ = staff_create(email="po@example.com", password=PASSWORD)
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            response = client.post(
                "/admin/login/", {"username": officer.email, "password": "wrong-guess"}
            )
            assert response.status_code == 200
        response = client.post(
            "/admin/login/",
            {"username": officer.email, "password": PASSWORD, "otp_token": totp_code(device)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 900
    assert "Too many failed logins" in response.content.decode()
    assert client.get("/admin/").status_code == 302
    assert AuditEvent.objects.filter(action="admin.login_throttled").count() == 1
    assert AuditEvent.objects.filter(action="admin.login_failed").count() == 5
