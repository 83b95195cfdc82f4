"""The request queue at 1280 pixels: with the navigation and the filters both open, or
the navigation folded, every column is in sight without scrolling sideways (with both
open the day received was cut off at the table's edge). At 1024 pixels the table
scrolls inside its own region, as Django's wide lists do, and the page does not. A
status and the days left read whole (審査中 on one line, not 審査 over 中), a kind keeps
a few characters a line, the days left read under the deadline, the law's short name
reads whole (個情法) and an address wraps before its "@" or a dot, not after any letter.
Folded, the navigation takes no room: the list is not pushed past the window's left."""

import pytest

from portal.kernel.staff import staff_create
from tests.e2e.queue_support import file_the_widest_requests
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

#: How many lines each status, kind and deadline cell takes, and where the table ends.
LAYOUT = """(() => {
  const box = document.querySelector('#changelist .results');
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
  // Text pieces set across more than one line: an address broken after a letter
  // ("@example.co" over "m") rather than before its "@" or a dot.
  const broken = (column) => [...document.querySelectorAll(`#result_list td.${column}`)]
    .flatMap(td => {
      const pieces = [];
      const texts = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
      while (texts.nextNode()) {
        const text = document.createRange();
        text.selectNodeContents(texts.currentNode);
        const tops = new Set([...text.getClientRects()].map(rect => Math.round(rect.top)));
        if (tops.size > 1) pieces.push(texts.currentNode.data);
      }
      return pieces;
    });
  const customer = document.querySelector('#result_list thead th.column-subject_email');
  return {
    status: lines('field-status'),
    kind: lines('field-kind'),
    deadline: lines('field-deadline'),
    law: lines('field-law'),
    brokenAddresses: [...broken('field-subject_email'), ...broken('field-assigned_to')],
    customerStart: customer.getBoundingClientRect().left,
    boxStart: box.getBoundingClientRect().left,
    toggleEnd: document.querySelector('#toggle-nav-sidebar').getBoundingClientRect().right,
    boxWidth: box.clientWidth,
    tableWidth: box.scrollWidth,
    lastEnd: [...document.querySelectorAll('#result_list thead th')].at(-1)
      .getBoundingClientRect().right,
    boxEnd: box.getBoundingClientRect().right,
    pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
})()"""


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_queue_fits_a_laptop_screen(browser, live_server, language):
    officer, _device, _ = staff_create(
        email="privacy.officer.tanaka@example.com", password=PASSWORD
    )
    file_the_widest_requests(officer)
    context, page = staff_page(browser, live_server, officer, language)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/admin/rights/rightsrequest/")
    assert (
        page.locator("#nav-sidebar").is_visible()
        and page.locator("#changelist-filter").is_visible()
    )
    both_open = page.evaluate(LAYOUT)
    page.set_viewport_size({"width": 1024, "height": 800})
    narrow = page.evaluate(LAYOUT)
    page.locator("#changelist .results").evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    narrow_scrolled = page.evaluate(LAYOUT)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#toggle-nav-sidebar").click()
    assert not page.locator("#nav-sidebar").is_visible()
    folded = page.evaluate(LAYOUT)
    context.close()

    # Navigation folded: the whole row, up to the day received, without scrolling, and
    # the list starts right of the button that unfolds the navigation (not under it).
    assert folded["tableWidth"] <= folded["boxWidth"], folded
    assert folded["boxStart"] >= folded["toggleEnd"], folded
    # Both open: the whole row too, the day received included.
    assert both_open["tableWidth"] <= both_open["boxWidth"], both_open
    assert both_open["lastEnd"] <= both_open["boxEnd"] + 1, both_open
    # 1024 pixels, both open: the page keeps its width and the table scrolls in its
    # region to its last column.
    assert narrow["pageOverflow"] == 0, narrow
    assert narrow_scrolled["lastEnd"] <= narrow_scrolled["boxEnd"] + 1, narrow_scrolled
    for layout in (both_open, folded):
        assert len(layout["status"]) == 3
        # The law's short name on one line; addresses wrap only before "@" or a dot.
        assert all(count == 1 for _, count in layout["law"]), layout["law"]
        assert layout["brokenAddresses"] == [], layout["brokenAddresses"]
        texts = {text for text, _ in layout["status"] + layout["kind"]}
        if language == "ja":
            assert {"審査中", "お客様からの回答待ち", "第三者提供の停止"} <= texts, texts
            assert all(count == 1 for _, count in layout["status"]), layout["status"]
            # 第三者提供 over の停止, not a character a line.
            assert all(count <= 2 for _, count in layout["kind"]), layout["kind"]
            # The paused request's deadline: the date, then 一時停止中 on a line of its own.
            assert any(
                text.endswith("\n一時停止中") and count == 2 for text, count in layout["deadline"]
            ), layout["deadline"]
        else:
            # English statuses and kinds wrap between words only.
            assert ["In review", 1] in layout["status"], layout["status"]
            assert any(text.endswith("\npaused") for text, _ in layout["deadline"]), layout
