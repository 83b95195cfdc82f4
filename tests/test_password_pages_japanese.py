"""The password fields Django's auth forms bring read like the rest of the customer's
Japanese: full-width brackets (「新しいパスワード（確認用）」, as the sign-up form
has 「パスワード（確認用）」) and 「お客様」, not 「あなた」."""

import re

import pytest

pytestmark = pytest.mark.django_db

HALF_WIDTH_PARENS = re.compile(r"\([^()]*[\u3040-\u30ff\u4e00-\u9fff][^()]*\)")
MAIN = re.compile(r"<main\b.*?</main>", re.S)


def _main(response) -> str:
    assert response.status_code == 200
    return MAIN.search(response.content.decode()).group(0)


def test_password_change_page_in_japanese(stepped_up_client):
    page = _main(stepped_up_client.get("/account/password/"))
    assert "新しいパスワード（確認用）" in page
    assert not HALF_WIDTH_PARENS.search(page), HALF_WIDTH_PARENS.findall(page)
    assert "あなた" not in page


def test_password_change_errors_in_japanese(stepped_up_client):
    page = _main(
        stepped_up_client.post(
            "/account/password/",
            {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
        )
    )
    assert not HALF_WIDTH_PARENS.search(page), HALF_WIDTH_PARENS.findall(page)
    assert "あなた" not in page


def test_sign_up_page_in_japanese(client):
    page = _main(client.get("/accounts/signup/"))
    assert "パスワード（確認用）" in page
    assert "あなた" not in page


def test_the_password_reset_page_names_the_address_as_the_other_pages_do(client):
    """Login and sign-up say "E-mail address"; the reset page said Django's "Email"."""
    client.cookies["django_language"] = "en"
    page = client.get("/accounts/password/reset/").content.decode()
    assert '<label for="id_email">E-mail address' in page
