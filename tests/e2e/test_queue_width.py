"""The request queue at 1280 pixels, navigation and filters open: a status reads whole
(審査中 on one line, not 審査 over 中), and the columns that come before the
customer (reference, status, deadline, days left, kind) stay in sight."""

import pytest

from portal.kernel.staff import staff_create
from rights import workflow
from rights.choices import Status
from rights.services import request_submit
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

#: How many lines each status and days-left cell takes, and where the first columns end.
LAYOUT = """(() => {
  const box = document.querySelector('#changelist .results').getBoundingClientRect();
  const lines = (column) => [...document.querySelectorAll(`#result_list td.${column}`)].map(td => {
    // The lines its text is set on: the distinct tops of the text's boxes.
    const tops = new Set();
    const texts = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
    while (texts.nextNode()) {
      const text = document.createRange();
      text.selectNodeContents(texts.currentNode);
      for (const rect of text.getClientRects()) tops.add(Math.round(rect.top));
    }
    return [td.innerText, tops.size];
  });
  const kind = document.querySelector('#result_list thead th.column-kind').getBoundingClientRect();
  return {
    lines: lines('field-status'),
    daysLeft: lines('field-days_left'),
    kindEnd: kind.right,
    boxEnd: box.right,
  };
})()"""


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_queue_shows_each_status_on_one_line(browser, live_server, language):
    officer, _device, _ = staff_create(email="officer@example.com", password=PASSWORD)
    customer = UserFactory(email="watanabe.kaori@example.com")
    in_review = request_submit(subject=customer, requester=customer, kind="disclosure")
    workflow.transition(in_review, to=Status.IN_REVIEW, actor=officer)
    # The longest status in Japanese: お客様からの回答待ち.
    asked = request_submit(subject=customer, requester=customer, kind="correction")
    workflow.transition(asked, to=Status.IN_REVIEW, actor=officer)
    workflow.transition(
        asked, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which address is right?"
    )
    request_submit(subject=customer, requester=customer, kind="deletion")
    context, page = staff_page(browser, live_server, officer, language)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/admin/rights/rightsrequest/")
    assert (
        page.locator("#nav-sidebar").is_visible()
        and page.locator("#changelist-filter").is_visible()
    )
    layout = page.evaluate(LAYOUT)
    context.close()
    assert len(layout["lines"]) == 3
    if language == "ja":
        assert {text for text, _ in layout["lines"]} >= {"審査中", "お客様からの回答待ち"}
        assert all(count == 1 for _, count in layout["lines"]), layout["lines"]
        # The request awaiting the customer is paused: 一時停止中 on one line too.
        assert ["一時停止中", 1] in layout["daysLeft"], layout["daysLeft"]
    else:
        # English statuses wrap between words ("Waiting for / more information").
        assert ["In review", 1] in layout["lines"], layout["lines"]
    assert layout["kindEnd"] <= layout["boxEnd"], layout
