"""The staff admin accepts only staff who passed a one-time-password check."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.kernel.models import AuditEvent
from portal.kernel.roles import AUDITOR, PRIVACY_OFFICER, SERVICE_HANDLER
from portal.kernel.staff import staff_create
from tests.conftest import admin_login, full_width, totp_code
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    user, device, _ = staff_create(email="officer@example.com", password=PASSWORD)
    return user, device


def test_staff_logged_in_without_otp_cannot_reach_admin(client, officer):
    user, _ = officer
    client.force_login(user)  # password only, no OTP device verified
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
    response = client.get("/admin/portal/user/")
    assert response.status_code == 302


def test_admin_login_needs_the_right_totp_code(client, officer):
    user, device = officer
    wrong = totp_code(device, wrong=True)
    response = client.post(
        "/admin/login/",
        {
            "username": user.email,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": wrong,
            "next": "/admin/",
        },
    )
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302
    assert AuditEvent.objects.filter(action="admin.otp_failure").exists()

    device.refresh_from_db()
    device.throttle_reset()
    # With a single device, password and code go in one step.
    response = client.post(
        "/admin/login/",
        {
            "username": user.email,
            "password": PASSWORD,
            "otp_token": totp_code(device),
            "next": "/admin/",
        },
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/portal/auditevent/").status_code == 200
    assert AuditEvent.objects.filter(action="admin.login", actor=user).exists()


def test_admin_login_takes_a_code_in_full_width_digits(client, officer):
    user, device = officer
    response = client.post(
        "/admin/login/",
        {
            "username": user.email,
            "password": PASSWORD,
            "otp_token": full_width(totp_code(device)),
            "next": "/admin/",
        },
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_customer_cannot_use_admin_even_with_otp(client, customer):
    device = TOTPDevice.objects.create(user=customer, name="x", confirmed=True)
    response = client.post(
        "/admin/login/",
        {
            "username": customer.email,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": totp_code(device),
        },
    )
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_role_groups_exist_with_their_permissions():
    officer = Group.objects.get(name=PRIVACY_OFFICER)
    auditor = Group.objects.get(name=AUDITOR)
    handler = Group.objects.get(name=SERVICE_HANDLER)
    officer_perms = set(officer.permissions.values_list("codename", flat=True))
    auditor_perms = set(auditor.permissions.values_list("codename", flat=True))
    assert {"view_user", "change_user", "view_auditevent"} <= officer_perms
    assert "view_auditevent" in auditor_perms
    assert not any(p.startswith(("add_", "change_", "delete_")) for p in auditor_perms)
    assert "change_user" not in set(handler.permissions.values_list("codename", flat=True))


def test_auditor_can_read_but_not_change_users(client):
    auditor = UserFactory(is_staff=True)
    auditor.groups.add(Group.objects.get(name=AUDITOR))
    device = TOTPDevice.objects.create(user=auditor, name="x", confirmed=True)
    client.post(
        "/admin/login/",
        {
            "username": auditor.email,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": totp_code(device),
        },
    )
    target = UserFactory()
    assert client.get(f"/admin/portal/user/{target.pk}/change/").status_code == 200
    response = client.post(
        f"/admin/portal/user/{target.pk}/change/", {"email": "changed@example.com"}
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.email != "changed@example.com"


def test_create_officer_prints_the_totp_secret_and_is_repeatable(capsys):
    call_command("create_officer", "po@example.com")
    out = capsys.readouterr().out
    assert "Password: " in out
    assert "otpauth://totp/" in out
    call_command("create_officer", "PO@example.com")
    out_again = capsys.readouterr().out
    assert "Password: " not in out_again
    device = TOTPDevice.objects.get(user__email="po@example.com")
    assert device.config_url in out and device.config_url in out_again
    assert device.user.groups.filter(name=PRIVACY_OFFICER).exists()
    assert device.user.is_staff and not device.user.is_superuser


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    from portal.kernel.models import User

    assert User.objects.filter(email="demo@example.com").count() == 1
    assert TOTPDevice.objects.filter(user__email="officer@example.com").count() == 1
    out = capsys.readouterr().out
    assert "demo@example.com" in out and "TOTP secret" in out


def test_the_japanese_staff_login_explains_a_wrong_or_missing_code_in_japanese(client, officer):
    user, device = officer
    client.cookies["django_language"] = "ja"
    login = {"username": user.email, "password": PASSWORD, "next": "/admin/"}
    missing = client.post("/admin/login/", login).content.decode()
    assert "認証アプリに表示される6桁のコードを入力してください。" in missing
    wrong = client.post(
        "/admin/login/", {**login, "otp_token": totp_code(device, wrong=True)}
    ).content.decode()
    assert "コードが正しくありません。" in wrong
    throttled = client.post(
        "/admin/login/", {**login, "otp_token": totp_code(device, wrong=True)}
    ).content.decode()
    assert "しばらくコードを受け付けません" in throttled
    assert "OTP" not in throttled.split("<body")[1].split("</form>")[0]


def test_an_auditor_is_offered_no_password_reset_that_would_be_refused(client):
    """The read-only account page shows the password's summary without the
    「パスワードをリセット」 button: the auditor may not open the page it leads to."""
    auditor, _device, _ = staff_create(email="audit@example.com", role=AUDITOR, password=PASSWORD)
    admin_login(client, auditor)
    target = UserFactory()
    page = client.get(f"/admin/portal/user/{target.pk}/change/").content.decode()
    assert "../password/" not in page
    assert "<strong>" in page  # the summary is still shown
    assert client.get(f"/admin/portal/user/{target.pk}/password/").status_code == 403
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    officer_page = admin_login(Client(), officer).get(f"/admin/portal/user/{target.pk}/change/")
    assert "../password/" in officer_page.content.decode()


def test_staff_without_an_authenticator_are_told_so_at_the_admin_login(client):
    """An account made staff in the admin has no authenticator until create_staff
    gives it one; its login said "Choose your authenticator device", with none to
    choose."""
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=SERVICE_HANDLER))
    response = client.post(
        "/admin/login/",
        {"username": user.email, "password": PASSWORD, "otp_token": "123456"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "has no authenticator yet" in response.text
    assert "Choose your authenticator device" not in response.text
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "Codes are refused for a while after 1 wrong code. Try again soon."),
        ("ja", "しばらくコードを受け付けません"),
    ],
)
def test_a_locked_authenticator_is_answered_429_with_the_seconds_left(
    client, officer, language, said
):
    """django-otp locks a device for a while after a wrong code: the login says so, as
    too many requests, with the seconds left; a wrong code itself is an ordinary 200."""
    user, device = officer
    client.cookies["django_language"] = language
    login = {"username": user.email, "password": PASSWORD, "next": "/admin/"}
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        wrong = client.post("/admin/login/", {**login, "otp_token": totp_code(device, wrong=True)})
        assert wrong.status_code == 200
        assert "Retry-After" not in wrong
        # Locked for a second after one wrong code (django-otp's TOTP throttle factor).
        locked = client.post("/admin/login/", {**login, "otp_token": totp_code(device)})
        assert locked.status_code == 429
        assert locked["Retry-After"] == "1"
        assert said in locked.content.decode()
        assert client.get("/admin/").status_code == 302
        traveller.shift(datetime.timedelta(seconds=2))
        response = client.post("/admin/login/", {**login, "otp_token": totp_code(device)})
        assert response.status_code == 302
