"""The customer's list of requests: on a wide screen the whole table fits its reading
column (a long kind wraps), so the answer date is never scrolled out of sight; on a
phone each request is a card whose lines name their column, status included."""

import pytest

from rights.choices import Status
from rights.models import RightsRequest
from rights.services import request_submit
from tests.e2e.customer_support import customer_at, page_in
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

CELLS = """[...document.querySelectorAll('.rr-list tbody td')].map(td => {
  const box = td.getBoundingClientRect();
  const scroller = td.closest('.table-scroll');
  return {right: box.right, window: window.innerWidth, text: td.innerText,
          box: scroller.getBoundingClientRect().right,
          scrolls: scroller.scrollWidth > scroller.clientWidth,
          label: getComputedStyle(td, '::before').content};
})"""


@pytest.mark.parametrize(("language", "status_label"), [("ja", "ステータス："), ("en", "Status: ")])
def test_every_column_of_the_request_list_is_in_sight(
    browser, live_server, axe_check, language, status_label
):
    customer = ProfileFactory(user__language=language).user
    # The longest kind and the longest status in English.
    widest = request_submit(subject=customer, requester=customer, kind="stop_provision")
    RightsRequest.objects.filter(pk=widest.pk).update(status=Status.AWAITING_VERIFICATION)
    request_submit(subject=customer, requester=customer, kind="disclosure")
    page = page_in(browser, live_server, language, {"width": 1280, "height": 800})
    customer_at(page, customer.email, "/requests/")

    for width in (1280, 1024, 660):
        page.set_viewport_size({"width": width, "height": 800})
        cells = page.evaluate(CELLS)
        assert len(cells) == 10, cells
        for cell in cells:
            assert not cell["scrolls"] and cell["right"] <= cell["box"], (width, cell)
            assert cell["label"] == "none", cell  # a table: the header names the column

    page.set_viewport_size({"width": 390, "height": 844})
    cells = page.evaluate(CELLS)
    statuses = [cell for cell in cells if cell["label"] == f'"{status_label}"']
    assert len(statuses) == 2, cells
    for cell in cells:
        assert not cell["scrolls"] and cell["right"] <= cell["window"], cell
    assert axe_check(page, f"/requests/ [{language}, phone]") == []
    page.context.close()


@pytest.mark.parametrize(
    ("language", "zones"), [("ja", ("日本時間", "欧州中部時間")), ("en", ("JST", "CET"))]
)
def test_a_list_of_requests_in_two_time_zones_names_them_and_still_fits(
    browser, live_server, language, zones
):
    """Requests under APPI and GDPR count in Tokyo and Berlin: each date cell names
    its zone, the widest the list gets, and every column stays in sight."""
    customer = ProfileFactory(user__language=language).user
    widest = request_submit(subject=customer, requester=customer, kind="stop_provision")
    RightsRequest.objects.filter(pk=widest.pk).update(status=Status.AWAITING_VERIFICATION)
    request_submit(subject=customer, requester=customer, kind="disclosure", regime="gdpr")
    page = page_in(browser, live_server, language, {"width": 1280, "height": 800})
    customer_at(page, customer.email, "/requests/")

    for width in (1280, 1024, 660, 390):
        page.set_viewport_size({"width": width, "height": 800})
        cells = page.evaluate(CELLS)
        assert len(cells) == 10, cells
        for cell in cells:
            assert not cell["scrolls"] and cell["right"] <= min(cell["box"], cell["window"]), (
                width,
                cell,
            )
    text = " ".join(cell["text"] for cell in cells)
    assert all(zone in text for zone in zones), text
    page.context.close()
