"""A request's timeline on a phone (390 px): each step's name reads whole on its own
line when it does not fit after the time, not broken inside a word (受付 over 済み,
審査 over 中)."""

import pytest

from portal.kernel.staff import staff_create
from rights import workflow
from rights.choices import Status
from rights.services import request_submit
from tests.e2e.customer_support import customer_at, page_in
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

#: The lines each step's name is set on: the distinct tops of its text's boxes.
NAME_LINES = """() => [...document.querySelectorAll('.rr-timeline > li > strong')].map(name => {
  const text = document.createRange();
  text.selectNodeContents(name);
  return [name.innerText, new Set([...text.getClientRects()].map(r => Math.round(r.top))).size];
})"""


@pytest.mark.parametrize("language", ["ja", "en"])
def test_each_step_of_the_timeline_reads_whole_on_a_phone(browser, live_server, language):
    customer = ProfileFactory(user__language=language).user
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    request = request_submit(
        subject=customer, requester=customer, kind="stop_use", scope={"everything": True}
    )
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    page = page_in(browser, live_server, language, {"width": 390, "height": 844})
    page.context.set_default_timeout(15_000)
    customer_at(page, customer.email, f"/requests/{request.pk}/")
    names = page.evaluate(NAME_LINES)
    page.context.close()
    assert len(names) == 2
    assert [name for name, lines in names if lines > 1] == []


#: The same for the working page: each event's name and each status it moved between.
STAFF_LINES = NAME_LINES.replace(
    ".rr-timeline > li > strong", ".rr-timeline > li > strong, .rr-timeline .rr-step-status"
)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_each_event_and_status_of_the_working_page_reads_whole_on_a_phone(
    browser, live_server, language
):
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    customer = ProfileFactory().user
    request = request_submit(
        subject=customer, requester=customer, kind="stop_use", scope={"everything": True}
    )
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    context, page = staff_page(browser, live_server, officer, language)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/admin/rights/rightsrequest/{request.pk}/change/")
    names = page.evaluate(STAFF_LINES)
    context.close()
    assert len(names) == 6
    assert [name for name, lines in names if lines > 1] == []
