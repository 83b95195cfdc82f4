"""A control character pasted into an account page's form (a name or address copied from
a PDF, an address copied from a terminal) is refused on the field, with what was typed
given back without it, instead of a 400 page that loses the text. Bad input gets a
clear message and changes nothing (DESIGN: security baseline)."""

from __future__ import annotations

import html

import pytest
from django.core import mail

from portal.kernel.models import AuditEvent, Profile, User
from tests.conftest import step_up
from tests.factories import PASSWORD, SIGNUP

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]

MESSAGE = {
    "en": "This text held control characters, which cannot be saved",
    "ja": "保存できない制御文字",
}


def _page(response) -> str:
    return html.unescape(response.content.decode())


def test_the_signup_form_says_so_on_the_field(client, django_capture_on_commit_callbacks):
    client.cookies["django_language"] = "ja"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", {**SIGNUP, "full_name": "佐藤\x0c花子"})
    assert response.status_code == 200
    page = _page(response)
    assert MESSAGE["ja"] in page
    assert 'value="佐藤 花子"' in page  # a form feed keeps the words apart
    assert "\x0c" not in page
    assert "Hanako.Sato@Example.com" in page
    assert not User.objects.exists()
    assert not mail.outbox


def test_the_profile_form_says_so_on_the_field(
    client, customer, django_capture_on_commit_callbacks
):
    step_up(client, customer, django_capture_on_commit_callbacks, language="ja")
    before = Profile.objects.get(user=customer)
    response = client.post(
        "/account/",
        {"save_profile": "1", "full_name": "山田 花子", "address": "東京都千代田区\x1b丸の内1-1"},
    )
    assert response.status_code == 200
    page = _page(response)
    assert MESSAGE["ja"] in page
    assert "東京都千代田区丸の内1-1" in page and "\x1b" not in page
    assert 'value="山田 花子"' in page
    after = Profile.objects.get(user=customer)
    assert (after.full_name, after.address) == (before.full_name, before.address)


@pytest.mark.parametrize("pasted", ["\x1b", "\x0c"])
def test_the_email_change_form_says_so_on_the_field(
    client, customer, django_capture_on_commit_callbacks, pasted
):
    """An address has no spaces: a form feed in it is taken out, not made a space, and
    the field says only what is wrong with what was typed, not that the address with
    the character in it is not one."""
    step_up(client, customer, django_capture_on_commit_callbacks, language="ja")
    mail.outbox.clear()
    events = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/email/", {"new_email": f"hanako{pasted}@example.jp", "password": PASSWORD}
        )
    assert response.status_code == 200
    page = _page(response)
    assert MESSAGE["ja"] in page
    assert "有効なメールアドレスを入力してください" not in page
    assert 'value="hanako@example.jp"' in page and pasted not in page
    customer.refresh_from_db()
    assert not customer.email_change_to
    assert not mail.outbox
    assert AuditEvent.objects.count() == events


def test_nul_is_still_refused_on_the_account_pages_before_any_view(
    client, customer, django_capture_on_commit_callbacks
):
    step_up(client, customer, django_capture_on_commit_callbacks)
    response = client.post("/account/", {"save_profile": "1", "full_name": "a\x00b"})
    assert response.status_code == 400
    response = client.post("/account/email/", {"new_email": "a\ufffd@example.jp"})
    assert response.status_code == 400
    assert client.post("/accounts/signup/", {**SIGNUP, "full_name": "a\x00b"}).status_code == 400


def test_a_password_with_a_control_character_is_asked_again_not_checked(
    client, django_capture_on_commit_callbacks
):
    """A password field is never shown again, so its message cannot ask to check the
    text shown: it asks for the password again, and says why."""
    client.cookies["django_language"] = "ja"
    secret = "a-long-enough\x1bsecret-77"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/", {**SIGNUP, "password1": secret, "password2": secret}
        )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["password1"] == [
        "パスワードに使えない制御文字が含まれていました。パスワードをもう一度入力してください。"
    ]
    assert MESSAGE["ja"] not in " ".join(errors["password1"])
    assert "secret" not in _page(response)
    assert not User.objects.exists()
    assert not mail.outbox
