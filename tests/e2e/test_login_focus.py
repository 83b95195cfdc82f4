"""The login page leaves the focus where the page starts (WCAG 2.1 AA 2.4.1 Bypass
blocks, 2.4.3 Focus order): the skip link is the first thing Tab reaches, then the
menu or the main content, as on every other page; a screen reader starts at the top
and reads the heading and the notice before the form. The e-mail box does not take
the focus on load. After a refused attempt the error summary takes it, so the reason
is read first (3.3.1 Error identification). In Japanese and English, at 1280 and
390 px."""

import pytest

from tests.e2e.customer_support import page_in

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_first_tab_on_the_login_page_reaches_the_skip_link(
    browser, live_server, language, size
):
    page = page_in(browser, live_server, language, SIZES[size])
    page.goto("/accounts/login/?next=/my-data/")
    assert page.evaluate("document.activeElement === document.body")
    assert page.locator("input[name=username][autofocus]").count() == 0
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "username"
    page.context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_refused_login_puts_the_focus_on_the_error_summary(
    browser, live_server, customer, language
):
    page = page_in(browser, live_server, language, SIZES["phone"])
    page.goto("/accounts/login/")
    page.fill("input[name=username]", customer.email)
    page.fill("input[name=password]", "not-the-password")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.context.close()
