"""A service handler on a phone, 390 pixels wide: the request queue and a stop of use's
working page pass axe-core with no violation, and the decision form reads top to bottom.

At this width the queue's "Show all" link after the result count was told from the text
beside it by colour alone (axe "link-in-text-block", WCAG 1.4.1); the stop decision's
table squeezed the purpose's state to one character a line (利 / 用 / し / て …) beside
a choice as wide as its longest option, and each label of the decision form ran into
its box instead of standing above it."""

import pytest

from consent import services as consent
from consent.models import ConsentRecord
from portal.kernel.staff import staff_create
from rights import workflow
from rights.choices import Kind, Status
from rights.services import request_submit
from tests.consent_support import purpose
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

#: How many lines the text of each cell in the stop decision's "now" column is set on,
#: and where each label of the decision form ends against where its box starts.
LAYOUT = """(() => {
  const lines = (cell) => {
    const tops = new Set();
    const texts = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (texts.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(texts.currentNode);
      for (const rect of range.getClientRects()) tops.add(Math.round(rect.top));
    }
    return tops.size;
  };
  return {
    now: [...document.querySelectorAll('#rr-stop td.rr-stop-now')].map(lines),
    rows: [...document.querySelectorAll('#rr-stop .form-row')].map(row => {
      const label = row.querySelector('label').getBoundingClientRect();
      const box = row.querySelector('textarea, select').getBoundingClientRect();
      return [row.querySelector('label').htmlFor, Math.round(label.bottom), Math.round(box.top),
              Math.round(box.right)];
    }),
    width: document.documentElement.scrollWidth,
  };
})()"""


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_queue_and_a_stop_decision_on_a_phone(browser, live_server, axe_check, language):
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    customer = ProfileFactory(user__language=language).user
    consent.consent_update(
        subject=customer,
        choices={purpose("marketing"): True},
        method=ConsentRecord.Method.DASHBOARD,
    )
    request = request_submit(
        subject=customer,
        requester=customer,
        kind=Kind.STOP_USE,
        scope={"purposes": ["marketing"]},
        details="Too many mails.",
    )
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    context, page = staff_page(browser, live_server, officer, language)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/admin/rights/rightsrequest/?q=" + request.reference)
    assert page.locator("#changelist-search .quiet a").count() == 1
    assert axe_check(page, f"queue at 390 px [{language}]") == []

    page.goto(f"/admin/rights/rightsrequest/{request.pk}/change/")
    assert axe_check(page, f"stop decision at 390 px [{language}]") == []
    layout = page.evaluate(LAYOUT)
    assert layout["width"] <= 390, layout
    # "In use" / 利用しています reads on one or two lines, not a character a line.
    assert layout["now"] and all(count <= 2 for count in layout["now"]), layout
    # Each label stands above its box, and the box stays on the page.
    for name, label_bottom, box_top, box_right in layout["rows"]:
        assert label_bottom <= box_top, (name, layout)
        assert box_right <= 390, (name, layout)
    context.close()
