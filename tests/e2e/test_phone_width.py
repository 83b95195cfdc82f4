"""The customer's pages on a phone (390 px wide): wide tables scroll inside their own
box, which the keyboard can reach, and the page itself never scrolls sideways."""

import pytest

from rights.services import request_submit
from tests.consent_support import recipients
from tests.e2e.customer_support import customer_at
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def _page_width(page) -> tuple[int, int]:
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_wide_tables_scroll_in_their_own_reachable_box_on_a_phone(
    browser, live_server, axe_check, language
):
    recipients()
    customer = ProfileFactory(user__language=language).user
    request_submit(
        subject=customer, requester=customer, kind="disclosure", delivery_method="electronic"
    )
    context = browser.new_context(
        base_url=live_server.url,
        locale={"ja": "ja-JP", "en": "en-US"}[language],
        viewport=PHONE,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    customer_at(page, customer.email, "/consent/")

    # A consent given here is a record with empty cells (no policy version) in
    # the wide table of consent records on "my data".
    page.locator("input[name=purpose_marketing]").check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.locator(".message-success").is_visible()

    found = {}
    for path in ("/consent/", "/my-data/", "/requests/", "/fees/"):
        page.goto(path)
        scroll_width, window_width = _page_width(page)
        assert scroll_width <= window_width, f"{path}: the page is {scroll_width} px wide"
        violations = axe_check(page, f"{path} [{language}, phone]")
        if violations:
            found[path] = violations
    context.close()
    assert found == {}
