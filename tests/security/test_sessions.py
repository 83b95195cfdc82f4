"""Sessions: idle expiry, log out everywhere, a new password ends other sessions."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.utils import timezone

from portal.kernel.models import AuditEvent, SessionsEndedReason, User
from portal.kernel.staff import staff_create
from tests.conftest import totp_code
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 5, 11, 9, 0, tzinfo=dt.UTC)


def _login(client, user):
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_customer_session_ends_after_30_idle_minutes_and_says_why(client, customer, settings):
    settings.LANGUAGE_CODE = "en"
    with time_machine.travel(START, tick=False) as traveller:
        _login(client, customer)
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get("/").wsgi_request.user == customer
        # Activity counts from the last request, not from the login.
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get("/").wsgi_request.user == customer
        traveller.shift(dt.timedelta(minutes=31))
        response = client.get("/account/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/account/")
    assert "_auth_user_id" not in client.session
    assert any("30 minutes without activity" in m for m in _messages(response))
    event = AuditEvent.objects.get(action="auth.session_idle_expired")
    assert event.actor == customer
    assert event.details["idle_seconds"] >= 31 * 60


def test_idle_timeout_is_a_setting(client, customer, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    with time_machine.travel(START, tick=False) as traveller:
        _login(client, customer)
        traveller.shift(dt.timedelta(minutes=6))
        response = client.get("/")
    assert not response.wsgi_request.user.is_authenticated


def test_staff_admin_keeps_its_own_idle_timeout(client):
    officer, device, _ = staff_create(email="po@example.com", password=PASSWORD)
    with time_machine.travel(START, tick=False) as traveller:
        response = client.post(
            "/admin/login/",
            {"username": officer.email, "password": PASSWORD, "otp_token": totp_code(device)},
        )
        assert response.status_code == 302
        traveller.shift(dt.timedelta(minutes=45))  # past the customers' 30 minutes
        assert client.get("/admin/").status_code == 200
        traveller.shift(dt.timedelta(minutes=61))
        response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_log_out_everywhere_ends_every_session_and_tells_the_other_devices(customer, settings):
    settings.LANGUAGE_CODE = "en"
    phone, laptop = _login(Client(), customer), _login(Client(), customer)
    response = laptop.post("/accounts/logout/everywhere/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert "_auth_user_id" not in laptop.session

    response = phone.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert not response.wsgi_request.user.is_authenticated
    assert any("Log out everywhere" in m for m in _messages(response))
    # Told once; the session is empty afterwards.
    assert not _messages(phone.get("/"))

    customer.refresh_from_db()
    assert customer.session_epoch == 1
    assert customer.sessions_ended_reason == SessionsEndedReason.LOGOUT_EVERYWHERE
    event = AuditEvent.objects.get(action="auth.sessions_ended")
    assert event.subject == customer and event.details == {"reason": "logout_everywhere"}
    # A fresh login works again.
    _login(phone, customer)
    assert phone.get("/").wsgi_request.user == customer


def test_log_out_everywhere_needs_a_post(client, customer):
    client.force_login(customer)
    assert client.get("/accounts/logout/everywhere/").status_code == 405
    customer.refresh_from_db()
    assert customer.session_epoch == 0


def test_password_change_ends_other_sessions_and_keeps_this_one(
    stepped_up_client, customer, settings
):
    settings.LANGUAGE_CODE = "en"
    other = _login(Client(), customer)
    response = stepped_up_client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-secret-93",
            "new_password2": "another-long-secret-93",
        },
    )
    assert response.status_code == 302
    assert stepped_up_client.get("/").wsgi_request.user == customer

    response = other.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert not response.wsgi_request.user.is_authenticated
    assert any("password of your account was changed" in m for m in _messages(response))
    assert AuditEvent.objects.filter(
        action="auth.sessions_ended", details__reason="password_changed"
    ).exists()


def test_password_reset_ends_every_session(
    client, customer, settings, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "en"
    logged_in = _login(Client(), customer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": customer.email})
    path = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "reset-long-secret-48", "new_password2": "reset-long-secret-48"},
    )
    assert response.status_code == 302

    response = logged_in.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert not response.wsgi_request.user.is_authenticated
    assert any("password of your account was reset" in m for m in _messages(response))


def test_a_deactivated_account_is_logged_out_once_with_a_plain_message(client, customer):
    client.force_login(customer)
    User.objects.filter(pk=customer.pk).update(is_active=False)
    response = client.get("/")
    assert not response.wsgi_request.user.is_authenticated
    assert len(_messages(response)) == 1
    assert "_auth_user_id" not in client.session


def test_sessions_from_before_the_epoch_keep_working(customer):
    """With epoch 0 the check value is Django's own, so upgrading logs no one out."""
    from django.contrib.auth.base_user import AbstractBaseUser

    assert customer.get_session_auth_hash() == AbstractBaseUser._get_session_auth_hash(customer)
    customer.session_epoch = 1
    assert customer.get_session_auth_hash() != AbstractBaseUser._get_session_auth_hash(customer)


def test_ended_reason_is_not_told_to_a_session_opened_afterwards(client, customer):
    User.objects.filter(pk=customer.pk).update(
        sessions_ended_at=timezone.now() - dt.timedelta(hours=1),
        sessions_ended_reason=SessionsEndedReason.PASSWORD_CHANGED,
    )
    _login(client, customer)
    User.objects.filter(pk=customer.pk).update(is_active=False)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert not any("password" in m for m in _messages(response))
