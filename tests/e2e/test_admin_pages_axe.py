"""Staff pages across the admin pass axe-core with no violation at a desk's width and
a phone's, in both languages; each has one heading, named in the page's title.

On a phone Django lets a table of rows (a ``TabularInline``) scroll sideways in a box
that the keyboard could not reach when the rows held nothing to focus: a new API
client's empty table of keys (axe "scrollable-region-focusable", WCAG 2.1.1). And an
invalid form's message under a date-and-time field was tied to neither of its
boxes: a screen reader on the box read no error (WCAG 3.3.1)."""

import pytest

from portal.kernel.staff import staff_create
from tests.e2e.staff_support import BOXES, PAGE_FACTS, staff_page
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    "/admin/",
    "/admin/rights/rightsrequest/",
    "/admin/portal/apiclient/add/",
    "/admin/consent/policyversion/add/",
    "/admin/portal/auditevent/",
    "/admin/reports/statistics/",
]

#: For each error message of a field: its id, and the boxes of its row that do not
#: name it in their aria-describedby.
UNTIED_ERRORS = """boxes => [...document.querySelectorAll('.form-row .errorlist')].map(list => [
  list.id,
  [...list.closest('.form-row').querySelectorAll(boxes)]
    .filter(box => !(box.getAttribute('aria-describedby') || '').split(' ').includes(list.id))
    .map(box => box.name),
])"""


@pytest.mark.parametrize("language", ["ja", "en"])
def test_admin_pages_pass_axe_on_a_desk_and_a_phone(browser, live_server, axe_check, language):
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    context, page = staff_page(browser, live_server, officer, language)
    for path in PAGES:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(path)
        facts = page.evaluate(PAGE_FACTS, BOXES)
        assert len(facts["h1"]) == 1, (path, facts)
        assert facts["h1"][0] in facts["title"], (path, facts)
        assert facts["unnamed"] == [], (path, facts)
        assert axe_check(page, f"{path} at 1280 px [{language}]") == [], path
        page.set_viewport_size({"width": 390, "height": 844})
        assert axe_check(page, f"{path} at 390 px [{language}]") == [], path

    # An empty form sent back: each message is read on the boxes it is about.
    page.goto("/admin/consent/policyversion/add/")
    page.evaluate("document.querySelector('#policyversion_form').noValidate = true")
    page.locator("input[name=_save]").click()
    page.wait_for_selector(".errornote")
    untied = page.evaluate(UNTIED_ERRORS, BOXES)
    assert any(id_ == "id_effective_at_error" for id_, _boxes in untied), untied
    assert [(id_, boxes) for id_, boxes in untied if boxes] == [], untied
    assert axe_check(page, f"policy version with errors [{language}]") == []
    context.close()
