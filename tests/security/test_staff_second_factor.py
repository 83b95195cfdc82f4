"""The admin's second factor is the staff member's authenticator, nothing else.

Staff may use the customer pages too (they log in there and pass the e-mailed
code like anyone). That code, or any device the customer pages give, must not
open the admin: an e-mailed code and a password reset both go to the same
mailbox, so together they would make one factor of two.
"""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.kernel.stepup import email_device_for
from tests.conftest import admin_login, last_code, totp_code
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _portal_login_and_code(client, user, capture_on_commit):
    """Log in on the customer login page with the password, pass the e-mailed code."""
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    with capture_on_commit(execute=True):
        client.post("/accounts/code/", {"send": "1"})
    response = client.post("/accounts/code/", {"token": last_code(), "verify": "1"})
    assert response.status_code == 302, response.content


def test_an_emailed_code_on_the_customer_pages_does_not_open_the_admin(
    client, officer, django_capture_on_commit_callbacks
):
    _portal_login_and_code(client, officer, django_capture_on_commit_callbacks)
    assert client.get("/my-data/").status_code == 200

    for path in ("/admin/", "/admin/portal/user/", "/admin/portal/auditevent/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path


def test_the_admin_login_refuses_an_emailed_code(client, officer):
    device = email_device_for(officer)
    device.generate_token(valid_secs=600)
    response = client.post(
        "/admin/login/",
        {
            "username": officer.email,
            "password": PASSWORD,
            "otp_device": f"otp_email.emaildevice/{device.pk}",
            "otp_token": device.token,
        },
    )
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_the_admin_login_offers_no_code_by_email(client, officer):
    device = email_device_for(officer)
    response = client.post(
        "/admin/login/",
        {
            "username": officer.email,
            "password": PASSWORD,
            "otp_device": f"otp_email.emaildevice/{device.pk}",
            "otp_challenge": "1",
        },
    )
    assert response.status_code == 200
    assert "otp_email.emaildevice" not in response.content.decode()
    device.refresh_from_db()
    assert device.token is None


def test_staff_who_used_the_customer_pages_still_log_in_with_password_and_code(
    client, officer, django_capture_on_commit_callbacks
):
    _portal_login_and_code(client, officer, django_capture_on_commit_callbacks)
    client.logout()
    device = TOTPDevice.objects.get(user=officer)
    response = client.post(
        "/admin/login/",
        {"username": officer.email, "password": PASSWORD, "otp_token": totp_code(device)},
    )
    assert response.status_code == 302, response.content
    assert client.get("/admin/").status_code == 200


def test_an_admin_login_still_opens_the_admin(client, officer):
    admin_login(client, officer)
    assert client.get("/admin/portal/user/").status_code == 200


def test_the_customer_pages_neither_remove_nor_replace_a_staff_authenticator(
    client, officer, django_capture_on_commit_callbacks
):
    """The customer pages' authenticator is the same row as the admin's: from there,
    an e-mailed code would remove it or put one the bearer chose in its place."""
    _portal_login_and_code(client, officer, django_capture_on_commit_callbacks)
    staff_device = TOTPDevice.objects.get(user=officer)

    assert client.get("/account/authenticator/").status_code == 403
    assert client.post("/account/authenticator/", {"token": "123456"}).status_code == 403
    assert client.post("/account/authenticator/remove/").status_code == 403

    assert list(TOTPDevice.objects.filter(user=officer)) == [staff_device]
    response = client.get("/account/")
    assert response.status_code == 200
    assert b"/account/authenticator/" not in response.content


def test_a_customer_still_sets_up_and_removes_an_authenticator(stepped_up_client, customer):
    assert stepped_up_client.get("/account/authenticator/").status_code == 200
    assert TOTPDevice.objects.filter(user=customer, confirmed=False).exists()
    response = stepped_up_client.post("/account/authenticator/remove/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=customer).exists()
