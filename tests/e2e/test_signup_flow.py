"""A customer signs up, confirms the address, logs in and passes the code step."""

import re

import pytest
from django.core import mail

from portal.kernel.models import User
from tests.e2e.customer_support import code_in_last_mail

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "browser-test-secret-51"


def _path_in_last_mail() -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)


def test_signup_login_and_step_up_in_both_languages(page, screenshot):
    page.goto("/accounts/signup/")
    assert page.locator("html").get_attribute("lang") == "ja"
    page.fill("input[name=email]", "kenji@example.com")
    page.fill("input[name=full_name]", "鈴木 健二")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.check("input[name=accept_policy]")
    screenshot("signup-ja")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/accounts/signup/done/")

    assert len(mail.outbox) == 1
    page.goto(_path_in_last_mail())
    assert not User.objects.get(email="kenji@example.com").email_verified
    screenshot("verify-email-ja")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/accounts/login/**")
    assert User.objects.get(email="kenji@example.com").email_verified

    page.fill("input[name=username]", "kenji@example.com")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    page.goto("/account/")
    page.wait_for_url("**/accounts/code/**")
    with page.expect_navigation():
        page.locator("button[name=send]").click()
    assert len(mail.outbox) == 2
    page.fill("input[name=token]", code_in_last_mail())
    page.locator("button[name=verify]").click()
    page.wait_for_url("**/account/")
    assert page.locator("input[name=full_name]").input_value() == "鈴木 健二"
    screenshot("account-ja")
    ja_heading = page.locator("h1").inner_text()

    page.locator("button[name=language][value=en]").click()
    page.wait_for_url("**/account/")
    assert page.locator("html").get_attribute("lang") == "en"
    en_heading = page.locator("h1").inner_text()
    assert en_heading != ja_heading
    assert re.search(r"[A-Za-z]", en_heading)
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", ja_heading)
    screenshot("account-en")
