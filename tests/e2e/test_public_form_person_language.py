"""The public form asks in which language to write to the person only of an appointed
agent: the only capacity whose person is written to apart from the requester (APPI
art. 37, CCPA §7063). Someone asking for themselves is not asked about "the person"."""

import pytest

from tests.e2e.customer_support import code_in_last_mail

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGE_FIELD = "input[name=subject_language]"


def test_the_persons_language_is_asked_of_an_appointed_agent_only(
    live_server, page, fresh_rate_limits
):
    page.goto("/requests/start/")
    page.fill("input[name=email]", "agent@example.com")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/requests/start/code/")
    page.fill("input[name=code]", code_in_last_mail())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/requests/start/request/")

    language = page.locator(LANGUAGE_FIELD).first
    assert not language.is_visible()
    page.check("input[name=capacity][value=agent]")
    assert language.is_visible()
    assert page.locator(f"{LANGUAGE_FIELD}:checked").get_attribute("value") == "ja"
    page.check("input[name=capacity][value=self]")
    assert not language.is_visible()
    page.check("input[name=capacity][value=parent]")
    assert not language.is_visible()


def test_without_javascript_the_question_stays_on_the_form(browser, live_server, fresh_rate_limits):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/requests/start/")
        page.fill("input[name=email]", "agent@example.com")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/requests/start/code/")
        page.fill("input[name=code]", code_in_last_mail())
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/requests/start/request/")
        assert page.locator(LANGUAGE_FIELD).first.is_visible()
    finally:
        context.close()
