"""One-time-password step-up: codes by e-mail, throttling, expiry, authenticator apps."""

import datetime
import re
from importlib import import_module

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from portal.kernel.models import AuditEvent, CustomerTOTPDevice
from tests.conftest import full_width, last_code, totp_code

pytestmark = pytest.mark.django_db


def _send_code(client, capture):
    with capture(execute=True):
        client.post("/accounts/code/", {"send": "1"})
    return last_code()


def test_code_mail_is_in_the_customers_language(
    client, customer, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    _send_code(client, django_capture_on_commit_callbacks)
    japanese = mail.outbox[-1]
    assert re.search(r"[\u3040-\u30ff]", japanese.subject + japanese.body)

    customer.language = "en"
    customer.save()
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        _send_code(client, django_capture_on_commit_callbacks)
    english = mail.outbox[-1]
    assert "code" in english.subject.lower()
    assert not re.search(r"[\u3040-\u30ff]", english.subject + english.body)


def test_five_wrong_codes_lock_the_device_even_for_the_right_code(
    client, customer, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        code = _send_code(client, django_capture_on_commit_callbacks)
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            response = client.post("/accounts/code/", {"token": wrong, "verify": "1"})
            assert response.status_code == 200
            assert "not correct" in response.content.decode() or response.context["form"].errors
        # Locked: too many requests, for the seconds left (the message says them too).
        response = client.post("/accounts/code/", {"token": code, "verify": "1"})
        assert response.status_code == 429
        assert response["Retry-After"] == "60"
        errors = response.context["form"].errors["token"][0]
        assert "60秒後にもう一度お試しください" in errors
        assert client.get("/account/").status_code != 200
        assert AuditEvent.objects.filter(action="otp.failure", actor=customer).count() == 5
        assert AuditEvent.objects.filter(action="otp.throttled", actor=customer).count() == 1

        # After the lock the right code works again (still within its validity).
        traveller.shift(datetime.timedelta(seconds=61))
        response = client.post("/accounts/code/", {"token": code, "verify": "1"})
        assert response.status_code == 302
        assert client.get("/account/").status_code == 200


def test_four_wrong_codes_do_not_lock(client, customer, django_capture_on_commit_callbacks):
    client.force_login(customer)
    code = _send_code(client, django_capture_on_commit_callbacks)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        client.post("/accounts/code/", {"token": wrong, "verify": "1"})
    assert client.post("/accounts/code/", {"token": code, "verify": "1"}).status_code == 302


def test_a_code_works_once(client, customer, django_capture_on_commit_callbacks):
    client.force_login(customer)
    code = _send_code(client, django_capture_on_commit_callbacks)
    assert client.post("/accounts/code/", {"token": code, "verify": "1"}).status_code == 302
    assert client.post("/accounts/code/", {"token": code, "verify": "1"}).status_code == 200


def test_a_code_in_full_width_digits_and_groups_works(
    client, customer, django_capture_on_commit_callbacks
):
    """A Japanese input method types "１２３ ４５６"; it is the same code."""
    client.force_login(customer)
    code = _send_code(client, django_capture_on_commit_callbacks)
    response = client.post("/accounts/code/", {"token": full_width(code), "verify": "1"})
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    assert not AuditEvent.objects.filter(action="otp.failure").exists()


@pytest.mark.parametrize("token", ["１２３ａｂｃ", "١٢٣٤٥٦", "12-34-5"])
def test_a_malformed_code_is_refused_without_using_up_an_attempt(
    client, customer, django_capture_on_commit_callbacks, token
):
    from portal.kernel.stepup import email_device_for

    client.force_login(customer)
    code = _send_code(client, django_capture_on_commit_callbacks)
    response = client.post("/accounts/code/", {"token": token, "verify": "1"})
    assert response.status_code == 200
    assert response.context["form"].has_error("token", "invalid")
    assert not AuditEvent.objects.filter(action="otp.failure").exists()
    assert email_device_for(customer).throttling_failure_count == 0
    assert client.post("/accounts/code/", {"token": code, "verify": "1"}).status_code == 302


def test_step_up_expires_after_fifteen_minutes(stepped_up_client):
    assert stepped_up_client.get("/account/").status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        response = stepped_up_client.get("/account/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/code/")


def test_step_up_page_needs_login(client):
    response = client.get("/account/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_open_redirect_through_next_is_refused(
    client, customer, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    code = _send_code(client, django_capture_on_commit_callbacks)
    response = client.post(
        "/accounts/code/", {"token": code, "verify": "1", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response.url == "/account/"


def test_code_cooldown_refuses_a_second_mail_at_once(
    client, customer, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    _send_code(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/code/", {"send": "1"})
    assert len(mail.outbox) == 1


def test_authenticator_app_can_be_added_and_used_for_step_up(stepped_up_client, customer):
    response = stepped_up_client.get("/account/authenticator/")
    assert response.status_code == 200
    assert response.context["qr"].startswith("data:image/svg+xml;base64,")
    device = CustomerTOTPDevice.objects.get(user=customer, confirmed=False)
    wrong = totp_code(device, wrong=True)
    response = stepped_up_client.post("/account/authenticator/", {"token": wrong})
    assert response.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed
    failed = AuditEvent.objects.get(action="otp.totp_add_failed")
    assert failed.target == f"portal.customertotpdevice:{device.pk}"
    assert failed.actor_id == customer.pk
    assert wrong not in str(failed.details)

    response = stepped_up_client.post("/account/authenticator/", {"token": totp_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed

    # A fresh session can step up with the app.
    stepped_up_client.logout()
    stepped_up_client.force_login(customer)
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=60)):
        response = stepped_up_client.post(
            "/accounts/code/",
            {"device": device.persistent_id, "token": totp_code(device), "verify": "1"},
        )
        assert response.status_code == 302
        assert stepped_up_client.get("/account/").status_code == 200


def test_authenticator_set_up_takes_a_code_in_full_width_digits(stepped_up_client, customer):
    stepped_up_client.get("/account/authenticator/")
    device = CustomerTOTPDevice.objects.get(user=customer, confirmed=False)
    response = stepped_up_client.post(
        "/account/authenticator/", {"token": full_width(totp_code(device), "－")}
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed


def test_another_users_device_cannot_be_chosen(client, customer, other_customer):
    other = CustomerTOTPDevice.objects.create(user=other_customer, name="app", confirmed=True)
    client.force_login(customer)
    response = client.post(
        "/accounts/code/",
        {"device": other.persistent_id, "token": totp_code(other), "verify": "1"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["device"]
    assert client.get("/account/").status_code == 302


def test_profile_edit_validates_and_audits_field_names_only(stepped_up_client, customer):
    response = stepped_up_client.post(
        "/account/",
        {"save_profile": "1", "full_name": "x" * 151, "date_of_birth": "1990-02-30"},
    )
    assert response.status_code == 200
    customer.profile.refresh_from_db()
    assert customer.profile.full_name != "x" * 151
    response = stepped_up_client.post(
        "/account/",
        {"save_profile": "1", "full_name": "山田 次郎", "phone": "090-1111-2222"},
    )
    assert response.status_code == 302
    customer.profile.refresh_from_db()
    assert customer.profile.phone == "090-1111-2222"
    event = AuditEvent.objects.get(action="account.profile_updated")
    assert set(event.details["fields"]) >= {"full_name", "phone"}
    assert "090-1111-2222" not in str(event.details)


def _session_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.parametrize("kind", ["email", "app"])
def test_an_accepted_code_rotates_the_session_key(
    client, customer, django_capture_on_commit_callbacks, kind
):
    """Step-up rotates the session key as login does: a key known before the code
    (planted, or read off the wire) is worth nothing after it (GDPR art. 32)."""
    client.force_login(customer)
    if kind == "app":
        device = CustomerTOTPDevice.objects.create(user=customer, name="app", confirmed=True)
        code, wrong = totp_code(device), totp_code(device, wrong=True)
        fields = {"device": device.persistent_id, "verify": "1"}
    else:
        code = _send_code(client, django_capture_on_commit_callbacks)
        wrong = "000000" if code != "000000" else "111111"
        fields = {"verify": "1"}
    before = _session_key(client)

    response = client.post("/accounts/code/", {**fields, "token": wrong})
    assert response.status_code == 200
    assert _session_key(client) == before  # a wrong code changes nothing

    response = client.post("/accounts/code/", {**fields, "token": code})
    assert response.status_code == 302
    after = _session_key(client)
    assert after != before
    assert not import_module(settings.SESSION_ENGINE).SessionStore().exists(before)
    # Still logged in, and the step-up holds on the new key.
    assert client.get("/account/").status_code == 200
    assert client.get("/my-data/").status_code == 200

    # The old key opens nothing: not logged in, not stepped up.
    stale = Client()
    stale.cookies[settings.SESSION_COOKIE_NAME] = before
    response = stale.get("/account/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("seconds, minutes", [(600, 10), (900, 15)])
def test_the_code_page_states_the_validity_the_code_mail_states(
    client, customer, settings, django_capture_on_commit_callbacks, seconds, minutes
):
    """Not 「数分間」 on the page and 「10分」 in the mail: both give the same number of
    minutes, from OTP_EMAIL_TOKEN_VALIDITY."""
    settings.OTP_EMAIL_TOKEN_VALIDITY = seconds
    client.force_login(customer)
    page = client.get("/accounts/code/").content.decode()
    assert f"確認コードの有効期限は{minutes}分です。" in page and "数分" not in page
    _send_code(client, django_capture_on_commit_callbacks)
    assert f"確認コードの有効期限は{minutes}分です。" in mail.outbox[-1].body

    customer.language = "en"
    customer.save()
    page = client.get("/accounts/code/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"It is valid for {minutes} minutes." in page and "a few" not in page


def _selected_device(response) -> str:
    """The value of the device option the code page shows as chosen, as a browser posts
    it: the option marked selected, else the first one."""
    select = re.search(r'<select name="device".*?</select>', response.content.decode(), re.S)
    options = re.findall(r'<option value="([^"]+)"( selected)?', select.group(0))
    return next((value for value, selected in options if selected), options[0][0])


def test_with_an_app_the_code_page_chooses_the_app_until_a_code_is_mailed(
    client, customer, django_capture_on_commit_callbacks
):
    # The page says to skip the e-mail step and type the app's code: a code typed
    # so, with the choice left as shown, is checked against the app.
    device = CustomerTOTPDevice.objects.create(user=customer, name="app", confirmed=True)
    client.force_login(customer)
    response = client.get("/accounts/code/")
    assert _selected_device(response) == device.persistent_id
    response = client.post(
        "/accounts/code/",
        {"device": _selected_device(response), "token": totp_code(device), "verify": "1"},
    )
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200

    # Once a code is mailed, that code is the one expected.
    client.logout()
    client.force_login(customer)
    code = _send_code(client, django_capture_on_commit_callbacks)
    response = client.get("/accounts/code/")
    assert _selected_device(response).startswith("portal.customeremaildevice/")
    response = client.post(
        "/accounts/code/", {"device": _selected_device(response), "token": code, "verify": "1"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("typed", ["12345", "abc", "1234567"])
def test_send_a_code_sends_one_whatever_the_code_box_holds(
    client, customer, django_capture_on_commit_callbacks, typed
):
    """A customer who typed a short or mistyped code, then presses "Send a code by
    e-mail" for a fresh one, gets it: the box is for the next step, and the button
    never answers with an error about it."""
    client.force_login(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/code/", {"send": "1", "token": typed, "next": "/my-data/"}
        )
    assert response.status_code == 302
    # Back to the code page, which then puts the focus in the code box.
    assert response["Location"] == "/accounts/code/?next=%2Fmy-data%2F&sent=1"
    assert len(mail.outbox) == 1
    assert re.search(r"\b\d{6}\b", mail.outbox[0].body)


def test_a_locked_device_is_answered_429_for_the_seconds_left_in_japanese_too(
    client, customer, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    client.cookies["django_language"] = "ja"
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        code = _send_code(client, django_capture_on_commit_callbacks)
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            assert (
                client.post("/accounts/code/", {"token": wrong, "verify": "1"}).status_code == 200
            )
        traveller.shift(datetime.timedelta(seconds=20))
        response = client.post("/accounts/code/", {"token": code, "verify": "1"})
        assert response.status_code == 429
        assert response["Retry-After"] == "40"
        assert "40秒" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "Too many wrong codes. Try again in 60 seconds."),
        ("ja", "60秒後にもう一度お試しください"),
    ],
)
def test_a_locked_authenticator_set_up_says_so_with_429_not_that_the_right_code_is_wrong(
    stepped_up_client, customer, language, said
):
    """django-otp refuses every code for a while after wrong ones: the set-up page says
    that, with the seconds left, as the code page and the staff link do, and confirms
    nothing until the lock ends."""
    stepped_up_client.cookies["django_language"] = language
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        stepped_up_client.get("/account/authenticator/")
        device = CustomerTOTPDevice.objects.get(user=customer, confirmed=False)
        wrong = totp_code(device, wrong=True)
        for _ in range(5):
            response = stepped_up_client.post("/account/authenticator/", {"token": wrong})
            assert response.status_code == 200
        response = stepped_up_client.post("/account/authenticator/", {"token": totp_code(device)})
        assert response.status_code == 429
        assert response["Retry-After"] == "60"
        assert response.context["form"].errors["token"] == [said] or language == "ja"
        assert said in response.context["form"].errors["token"][0]
        device.refresh_from_db()
        assert not device.confirmed
        assert AuditEvent.objects.filter(action="otp.totp_add_failed").count() == 5
        throttled = AuditEvent.objects.get(action="otp.throttled")
        assert throttled.target == f"portal.customertotpdevice:{device.pk}"
        assert throttled.details == {"failures": 5}

        # When the lock ends, the right code sets the app up.
        traveller.shift(datetime.timedelta(seconds=61))
        response = stepped_up_client.post("/account/authenticator/", {"token": totp_code(device)})
        assert response.status_code == 302
        device.refresh_from_db()
        assert device.confirmed
