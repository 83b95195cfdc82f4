"""The customer's pages on a phone (390 px wide): wide tables scroll inside their own
box, which the keyboard can reach, and the page itself never scrolls sideways; the fee
schedule, short and read whole, turns into cards."""

import re

import pytest

from rights.demo import seed_fee_demo
from rights.services import request_submit
from tests.consent_support import recipients, service_page
from tests.e2e.customer_support import customer_at, page_in
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
    page = page_in(browser, live_server, language, PHONE)
    page.context.set_default_timeout(15_000)
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
    page.context.close()
    assert found == {}


@pytest.mark.parametrize(
    ("language", "label"), [("ja", "手数料（税込）："), ("en", "Fee (tax included): ")]
)
def test_the_fee_schedule_reads_as_cards_on_a_phone(
    browser, live_server, axe_check, language, label
):
    """Every column of the fee schedule matters, the amount most: on a phone each fee is
    a card whose lines name their column, so no amount is scrolled out of sight; on a
    wide screen it stays a table."""
    seed_fee_demo()
    page = page_in(browser, live_server, language, PHONE)
    page.goto("/fees/")
    amounts = page.evaluate(
        """[...document.querySelectorAll('.fee-table td.fee-amount')].map(td => {
          const box = td.getBoundingClientRect();
          const scroller = td.closest('.table-scroll');
          return {right: box.right, scrolls: scroller.scrollWidth > scroller.clientWidth,
                  label: getComputedStyle(td, '::before').content, text: td.innerText};
        })"""
    )
    assert len(amounts) >= 3, amounts
    for amount in amounts:
        assert amount["right"] <= PHONE["width"] and not amount["scrolls"], amount
        assert amount["label"] == f'"{label}"', amount
        assert re.fullmatch(r"¥[\d,]+|[\d,]+円", amount["text"]), amount
    assert axe_check(page, f"/fees/ [{language}, phone]") == []
    page.set_viewport_size({"width": 1280, "height": 800})
    header = page.locator(".fee-table thead th.fee-amount")
    assert header.is_visible() and header.bounding_box()["width"] > 50
    page.context.close()


#: Every cell of the page's tables: its width, where it ends, its label.
CARD_CELLS = """[...document.querySelectorAll('main table tbody td')].map(td => {
  const box = td.getBoundingClientRect();
  return {width: box.width, right: box.right, text: td.innerText.slice(0, 40),
          label: getComputedStyle(td, '::before').content};
})"""


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_consent_pages_tables_read_as_cards_on_a_phone(browser, live_server, language):
    """The purposes, the recipients and the history of consent, and a service page's
    periods of keeping, on a phone: each row a card as wide as the page's column, each
    value on a line that names its column, never a column two characters wide
    (サー/ビス/の提/供に/必要)."""
    service_page(recipients()["delivery"])
    customer = ProfileFactory(user__language=language).user
    page = page_in(browser, live_server, language, PHONE)
    customer_at(page, customer.email, "/consent/")
    page.locator("input[name=purpose_marketing]").check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    for path in ("/consent/", "/privacy/", "/services/video/"):
        page.goto(path)
        cells = page.evaluate(CARD_CELLS)
        assert cells, path
        for cell in cells:
            assert cell["right"] <= PHONE["width"] and cell["width"] >= 250, (path, cell)
        labelled = [cell for cell in cells if cell["label"] != "none"]
        assert len(labelled) >= len(cells) / 2, (path, cells)
    page.context.close()
