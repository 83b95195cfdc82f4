"""The code step with the keyboard alone: once the code is sent, the focus waits in the
code box, so the customer types the code from the e-mail without tabbing through the
menu again (WCAG 2.1 AA 2.4.3 Focus order, 2.1.1 Keyboard), in Japanese and English."""

import pytest

from tests.e2e.conftest import tab_to
from tests.e2e.customer_support import code_in_last_mail, page_in
from tests.factories import PASSWORD


def _enter(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_after_sending_the_code_the_focus_is_in_the_code_box(
    browser, live_server, axe_check, customer, language
):
    page = page_in(browser, live_server, language, {"width": 390, "height": 844})
    page.goto("/accounts/login/")
    tab_to(page, "input[name=username]")
    page.keyboard.type(customer.email)
    tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    _enter(page)
    page.goto("/my-data/")
    page.wait_for_url("**/accounts/code/**")
    tab_to(page, "button[name=send]")
    _enter(page)
    assert page.evaluate("document.activeElement.name") == "token"
    axe_check(page, f"code sent ({language})")
    page.keyboard.type(code_in_last_mail())
    _enter(page)
    page.wait_for_url("**/my-data/")
    page.context.close()


def test_before_a_code_is_sent_the_focus_is_not_taken(browser, live_server, customer):
    page = page_in(browser, live_server, "en", {"width": 1280, "height": 900})
    page.goto("/accounts/login/")
    page.fill("input[name=username]", customer.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.goto("/my-data/")
    page.wait_for_url("**/accounts/code/**")
    assert page.evaluate("document.activeElement.name") != "token"
    page.context.close()
