"""A page that comes back with a form's errors says so first in its title, which a
screen reader reads before anything else (WCAG 2.1 SC 3.3.1, 2.4.2): every customer
page, whatever its form is called in the page, and no page without errors."""

from __future__ import annotations

import re

import pytest

from rights.services import request_submit
from tests.conftest import step_up, totp_code
from tests.factories import PASSWORD, SIGNUP

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)[1].strip()


def test_a_message_refused_on_the_request_page_names_the_error_in_the_title(
    stepped_up_client, customer
):
    request = request_submit(subject=customer, requester=customer, kind="disclosure")
    page = stepped_up_client.get(f"/requests/{request.pk}/", HTTP_ACCEPT_LANGUAGE="ja")
    assert not _title(page).startswith("エラー")
    customer.language = "ja"
    customer.save(update_fields=["language"])
    response = stepped_up_client.post(
        f"/requests/{request.pk}/", {"body": ""}, HTTP_ACCEPT_LANGUAGE="ja"
    )
    assert response.status_code == 200
    assert _title(response).startswith("エラー：")


def test_the_account_page_names_the_error_in_the_title(
    client, customer, django_capture_on_commit_callbacks
):
    step_up(client, customer, django_capture_on_commit_callbacks)
    assert not _title(client.get("/account/")).startswith("エラー")
    response = client.post("/account/", {"save_profile": "1", "full_name": "x" * 500})
    assert response.status_code == 200
    assert _title(response).startswith("エラー：")


def test_signup_names_the_error_in_the_title_once(client):
    response = client.post("/accounts/signup/", {**SIGNUP, "password2": "another-secret-88"})
    assert response.status_code == 200
    assert _title(response).startswith("エラー：")
    assert _title(response).count("エラー") == 1


def test_the_japanese_full_width_colon_is_not_followed_by_a_space(client):
    """「エラー：ご請求 | …」: the full-width colon carries its own space; English keeps
    the space after its colon ("Error: Sign up | …")."""
    data = {**SIGNUP, "password2": "another-secret-88"}
    japanese = _title(client.post("/accounts/signup/", data, HTTP_ACCEPT_LANGUAGE="ja"))
    assert re.match(r"エラー：[^\s　]", japanese), japanese
    english = _title(client.post("/accounts/signup/", data, HTTP_ACCEPT_LANGUAGE="en"))
    assert re.match(r"Error: \S", english), english


@pytest.mark.parametrize("url", ["/accounts/signup/", "/accounts/login/"])
def test_a_page_without_errors_has_no_error_in_its_title(client, url):
    assert "エラー" not in _title(client.get(url))


@pytest.mark.parametrize(("language", "start"), [("ja", r"エラー：[^\s　]"), ("en", r"Error: \S")])
def test_an_admin_form_with_errors_writes_the_colon_as_the_language_does(
    officer_client, language, start
):
    """The admin's own title (Django's change form) reads 「エラー：利用目的を追加 | …」
    in Japanese, without a space after the full-width colon, and "Error: …" in English."""
    response = officer_client.post("/admin/consent/purpose/add/", {}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert re.match(start, _title(response)), _title(response)
    page = officer_client.get("/admin/consent/purpose/add/", HTTP_ACCEPT_LANGUAGE=language)
    assert not re.match(r"エラー|Error", _title(page)), _title(page)


@pytest.mark.parametrize(("language", "start"), [("ja", r"エラー：[^\s　]"), ("en", r"Error: \S")])
@pytest.mark.parametrize("wrong", ["password", "code"])
def test_the_admin_login_names_a_wrong_password_or_code_in_the_title(
    officer, client, language, start, wrong
):
    """The staff login (django-otp's page: password and authenticator code in one form)
    titles its errors as every other form does."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert not re.match(r"エラー|Error", _title(client.get("/admin/login/")))
    device = TOTPDevice.objects.get(user=officer)
    response = client.post(
        "/admin/login/",
        {
            "username": officer.email,
            "password": "not-the-password" if wrong == "password" else PASSWORD,
            "otp_token": totp_code(device, wrong=wrong == "code"),
        },
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    assert re.match(start, _title(response)), _title(response)
    assert _title(response).count("エラー" if language == "ja" else "Error") == 1


@pytest.mark.parametrize(("language", "start"), [("ja", r"エラー：[^\s　]"), ("en", r"Error: \S")])
def test_a_refused_change_of_address_names_the_error_in_the_title(
    client, customer, django_capture_on_commit_callbacks, settings, language, start
):
    """Asked too often, the change of login address is refused with an empty form (the
    password is not tried): the title still starts with the error, as with a form's."""
    settings.ACCOUNT_EMAIL_CHANGE_RATE_ACCOUNT = "1/h"
    customer.language = language
    customer.save(update_fields=["language"])
    step_up(client, customer, django_capture_on_commit_callbacks)
    data = {"new_email": "first@example.net", "password": PASSWORD}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/account/email/", data).status_code == 302
    assert not re.match(r"エラー|Error", _title(client.get("/account/email/")))

    data = {"new_email": "second@example.net", "password": PASSWORD}
    response = client.post("/account/email/", data, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 429
    assert re.match(start, _title(response)), _title(response)
