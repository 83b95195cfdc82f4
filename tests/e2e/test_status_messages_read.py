"""What the portal says after an action ("Your details are saved.", "Your request is
filed.") is read out: the page that follows puts the focus on the message, so a
screen reader reads it first and Tab continues from there (WCAG 2.1 SC 4.1.3 Status
messages, 2.4.3 Focus order). A page whose form had errors, or that puts the focus
in a field itself, keeps that focus. In Japanese and English, on a phone and a desktop."""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from portal.kernel.middleware import LAST_SEEN_KEY
from tests.e2e.customer_support import agent_confirmation_asked, customer_at, page_in

SAVED = {"ja": "お客様情報を保存しました。", "en": "Your details are saved."}

FOCUSED = """(() => {
  const e = document.activeElement.querySelector('[role=status]');
  return e && [e.getAttribute('role'), e.innerText.trim()];
})()"""


@pytest.mark.parametrize(("language", "width"), [("ja", 390), ("en", 1280)])
def test_the_saved_message_takes_the_focus(browser, live_server, customer, language, width):
    page = page_in(browser, live_server, language, {"width": width, "height": 800})
    customer_at(page, customer.email, "/account/")
    page.fill("input[name=occupation]", "Engineer")

    with page.expect_navigation():
        page.locator("button[name=save_profile]").click()

    assert page.evaluate(FOCUSED), "the focus is not on the message"
    role, text = page.evaluate(FOCUSED)
    assert role == "status"
    assert SAVED[language] in text
    # The focus ring shows where the reader is.
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')")
    page.context.close()


def test_a_form_with_errors_keeps_the_focus_on_its_summary(browser, live_server, customer):
    page = page_in(browser, live_server, "en", {"width": 390, "height": 800})
    customer_at(page, customer.email, "/account/")
    page.fill("input[name=postal_code]", "abc")

    with page.expect_navigation():
        page.locator("button[name=save_profile]").click()

    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.context.close()


def test_the_login_page_reads_out_why_the_customer_was_logged_out(browser, live_server, customer):
    page = page_in(browser, live_server, "en", {"width": 390, "height": 800})
    customer_at(page, customer.email, "/account/")
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = SessionStore(session_key=cookie["value"])
    session[LAST_SEEN_KEY] = time.time() - settings.SESSION_IDLE_TIMEOUT - 60
    session.save()

    page.goto("/account/")
    page.wait_for_url("**/accounts/login/**")

    assert page.evaluate(FOCUSED), "the focus is not on the message"
    assert "logged out after" in page.evaluate(FOCUSED)[1]
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "username"
    page.context.close()


@pytest.mark.parametrize(("language", "answer"), [("ja", "yes"), ("en", "no")])
def test_the_answer_to_an_agent_confirmation_takes_the_focus(
    browser, live_server, private_storage, language, answer
):
    """The person's answer on the agent confirmation page (CCPA §7063: "Thank you. You
    confirmed the agent ...") is read first, as the portal's other messages after an
    action are."""
    filed, path = agent_confirmation_asked(language=language)
    page = page_in(browser, live_server, language, {"width": 320, "height": 800})
    page.goto(path)

    with page.expect_navigation():
        page.locator(f"main button[value={answer}]").click()

    assert page.evaluate("document.activeElement.matches('[data-page-messages]')"), (
        "the focus is not on the answer"
    )
    role, text = page.evaluate(FOCUSED)
    assert role == "status"
    assert filed.reference in text
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.context.close()
