"""A reload keeps what the customer typed in a request form (WCAG 2.1 AA 3.3.4 Error
prevention, 2.2.1 Timing adjustable: typing is not lost to a reload or a slow
connection retried). Secrets, codes and files are never kept by the browser."""

import pytest

from tests.e2e.customer_support import customer_at, page_in, public_form_at

TYPED = "二〇二六年の請求書の住所を直してください。"


@pytest.mark.parametrize("kind", ["correction", "disclosure", "deletion"])
def test_a_reload_keeps_the_details_typed_on_a_request_form(browser, live_server, customer, kind):
    page = page_in(browser, live_server, "ja", {"width": 390, "height": 844})
    customer_at(page, customer.email, f"/requests/new/{kind}/")
    page.locator("textarea[name=details]").click()
    page.keyboard.type(TYPED)
    page.reload()
    assert page.locator("textarea[name=details]").input_value() == TYPED
    page.context.close()


def test_a_reload_keeps_the_details_typed_on_the_form_without_an_account(browser, live_server):
    page = page_in(browser, live_server, "ja", {"width": 390, "height": 844})
    public_form_at(page, "visitor@example.com")
    page.locator("textarea[name=details]").click()
    page.keyboard.type(TYPED)
    page.reload()
    assert page.locator("textarea[name=details]").input_value() == TYPED
    page.context.close()


def test_typing_is_not_filled_in_on_a_later_visit_only_on_a_reload(browser, live_server, customer):
    """Kept for the reload alone: opening the form again later starts it afresh, so what
    was typed does not linger in the tab."""
    page = page_in(browser, live_server, "ja", {"width": 390, "height": 844})
    customer_at(page, customer.email, "/requests/new/correction/")
    page.locator("textarea[name=details]").click()
    page.keyboard.type(TYPED)
    page.goto("/requests/")
    page.goto("/requests/new/correction/")
    assert page.locator("textarea[name=details]").input_value() == ""
    assert page.evaluate("sessionStorage.length") == 0
    page.context.close()
