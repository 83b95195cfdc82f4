"""Switching the language in the middle of a form keeps what was typed: the page
comes back in the other language with the answers filled in (APPI art. 37: the
procedure must not burden the person excessively)."""

import pytest

from tests.e2e.customer_support import public_form_at

pytestmark = pytest.mark.django_db(transaction=True)

DETAILS = "私の子の住所を第三者に提供しないでください。"


def test_switching_to_english_in_the_middle_of_the_public_form_keeps_the_answers(
    live_server, page, axe_check, fresh_rate_limits
):
    public_form_at(page, "agent@example.com")
    page.check("input[name=capacity][value=agent]")
    page.fill("input[name=requester_name]", "佐藤 一郎")
    page.fill("input[name=subject_name]", "佐藤 花子")
    page.select_option("select[name=kind]", "stop_provision")
    page.check("input[name=everything]")
    page.fill("textarea[name=details]", DETAILS)

    with page.expect_navigation():
        page.locator(".lang-switch button[value=en]").click()

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.input_value("input[name=requester_name]") == "佐藤 一郎"
    assert page.input_value("input[name=subject_name]") == "佐藤 花子"
    assert page.input_value("select[name=kind]") == "stop_provision"
    assert page.is_checked("input[name=everything]")
    assert page.input_value("textarea[name=details]") == DETAILS
    # The part shown for an appointed agent only is shown again.
    assert page.locator("input[name=subject_language]").first.is_visible()
    axe_check(page, "public form after switching the language")

    # Given back once: opening the page again starts empty (a reload keeps what is
    # typed in a request form: test_reload_keeps_typing).
    page.goto(page.url)
    assert page.input_value("textarea[name=details]") == ""
