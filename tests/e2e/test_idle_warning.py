"""The idle logout warns first and lets the customer stay (WCAG 2.1 SC 2.2.1): two
minutes before the session would end, a dialog takes the focus and says so; "Stay
logged in" (or Escape) starts the idle time again and returns the focus to where it
was, with what was typed still there. Unanswered, the dialog says the session ended.
In Japanese and English, on a phone and a desktop; the browser's clock is moved on."""

import pytest
from django.conf import settings

from tests.e2e.customer_support import customer_stepped_up, page_in

NOTE = "住所が古いままです。"
NAMES = {
    "ja": ("ログインしたままにしますか？", "ログインしたままにする"),
    "en": ("Do you want to stay logged in?", "Stay logged in"),
}


def _to_the_warning(page, seconds_before_logout: int = 119) -> None:
    page.clock.fast_forward((settings.SESSION_IDLE_TIMEOUT - seconds_before_logout) * 1000)


@pytest.mark.parametrize(("language", "width"), [("ja", 390), ("en", 1280)])
def test_the_customer_is_warned_and_stays_logged_in(
    browser, live_server, axe_check, customer, language, width
):
    page = page_in(browser, live_server, language, {"width": width, "height": 800})
    page.clock.install()
    customer_stepped_up(page, customer.email)
    page.fill("textarea[name=details]", NOTE)
    dialog = page.get_by_role("alertdialog")

    page.clock.fast_forward((settings.SESSION_IDLE_TIMEOUT - 180) * 1000)
    assert not dialog.is_visible()
    page.clock.fast_forward(70_000)
    dialog.wait_for(state="visible")

    title, stay = NAMES[language]
    assert dialog.get_attribute("aria-modal") == "true"
    assert page.get_by_role("alertdialog", name=title).is_visible()
    assert page.evaluate("document.activeElement.textContent.trim()") == stay
    axe_check(page, f"idle warning ({language}, {width})")
    with page.expect_response("**/accounts/session/keep/") as kept:
        page.keyboard.press("Enter")
    assert kept.value.status == 200
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.name") == "details"
    assert page.input_value("textarea[name=details]") == NOTE

    # The idle time starts again: no warning until two minutes before the new end.
    _to_the_warning(page, seconds_before_logout=125)
    assert not dialog.is_visible()
    page.clock.fast_forward(10_000)
    dialog.wait_for(state="visible")
    with page.expect_response("**/accounts/session/keep/"):
        page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    page.context.close()


def test_unanswered_the_warning_says_the_session_ended(browser, live_server, customer):
    page = page_in(browser, live_server, "en", {"width": 390, "height": 800})
    page.clock.install()
    customer_stepped_up(page, customer.email)
    _to_the_warning(page)
    dialog = page.get_by_role("alertdialog")
    dialog.wait_for(state="visible")

    page.clock.fast_forward(125_000)

    page.get_by_text("Your session has ended. Please log in again.").wait_for()
    assert page.get_by_role("link", name="Log in").is_visible()
    assert not page.get_by_role("button", name="Stay logged in").is_visible()
    page.context.close()
