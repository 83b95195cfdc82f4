"""A list of checkboxes on a staff form reads one choice a line.

Django draws a CheckboxSelectMultiple as a ``div`` a choice, and its admin stylesheet
gives every label of an aligned form the 160-pixel width of the row's label column:
a legal hold's data categories wrapped inside their labels ("Contracts and /
memberships", 「お問い合わせ・やり取 / り」) while the page had room beside them.
"""

import pytest

from portal.kernel.staff import staff_create
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

#: For each choice of the hold's categories: on how many lines its label's text is set.
LINES = """(() => [...document.querySelectorAll('#id_categories label')].map(label => {
  const tops = new Set();
  const texts = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
  while (texts.nextNode()) {
    if (!texts.currentNode.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(texts.currentNode);
    for (const rect of range.getClientRects()) tops.add(Math.round(rect.top));
  }
  return [label.textContent.trim(), tops.size];
}))()"""


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_holds_data_categories_read_one_a_line(browser, live_server, axe_check, language):
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    context, page = staff_page(browser, live_server, officer, language)
    page.goto("/admin/rights/legalhold/add/")

    lines = page.evaluate(LINES)
    assert len(lines) >= 10, lines
    assert [name for name, count in lines if count != 1] == [], lines
    assert axe_check(page, f"hold form [{language}]") == []

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
