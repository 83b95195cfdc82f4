"""The request queue at 1024 pixels, with the navigation and the filters open, scrolls
sideways inside its region: a shadow at the region's edge shows that columns are hidden
there (the right edge at first, the left once scrolled), and none shows when the table
fits, in Django's light and dark themes. Measured in the screenshot's pixels, in the top
padding of the first row, where no text is drawn."""

import pytest

from portal.kernel.staff import staff_create
from tests.e2e.png_pixels import mean_level
from tests.e2e.queue_support import file_the_widest_requests
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

#: The results region's inner edges, the first row's top and the page's background level.
REGION = """(() => {
  const box = document.querySelector('#changelist .results');
  const frame = box.getBoundingClientRect();
  const row = document.querySelector('#result_list tbody tr').getBoundingClientRect();
  const [red, green, blue] = getComputedStyle(document.body).backgroundColor
    .match(/[0-9.]+/g).map(Number);
  return {
    left: frame.left + box.clientLeft,
    right: frame.left + box.clientLeft + box.clientWidth,
    rowTop: row.top,
    scrollable: box.scrollWidth > box.clientWidth,
    background: (red + green + blue) / 3,
  };
})()"""

#: How much darker than the page an edge must be to read as a shadow, and how close to
#: the page's own colour one without a shadow stays.
DARKER_BY = 10
SAME_WITHIN = 2


def _edges(page) -> dict:
    """Mean level of a strip four pixels wide just inside each edge of the region, and
    of one in its middle, in the first row's top padding (eight pixels without text)."""
    page.evaluate("window.scrollTo(0, 0)")
    region = page.evaluate(REGION)
    top = region["rowTop"] + 2

    def level(x: float) -> float:
        strip = {"x": x, "y": top, "width": 4, "height": 4}
        return mean_level(page.screenshot(clip=strip, type="png"))

    middle = (region["left"] + region["right"]) / 2
    return {
        **region,
        "leftEdge": level(region["left"] + 1),
        "rightEdge": level(region["right"] - 5),
        "middle": level(middle),
    }


def test_a_shadow_shows_where_columns_are_hidden(browser, live_server):
    officer, _device, _ = staff_create(
        email="privacy.officer.tanaka@example.com", password=PASSWORD
    )
    file_the_widest_requests(officer)
    context, page = staff_page(browser, live_server, officer, "ja")
    page.set_viewport_size({"width": 1024, "height": 800})
    page.goto("/admin/rights/rightsrequest/")
    assert page.locator("#nav-sidebar").is_visible()
    assert page.locator("#changelist-filter").is_visible()
    at_start = _edges(page)
    page.locator("#changelist .results").evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    at_end = _edges(page)
    # Django's dark theme: a black shadow would not show on its near-black page.
    page.emulate_media(color_scheme="dark")
    page.locator("#changelist .results").evaluate("box => { box.scrollLeft = 0; }")
    dark = _edges(page)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#toggle-nav-sidebar").click()
    page.locator("#changelist .results").evaluate("box => { box.scrollLeft = 0; }")
    fitting = _edges(page)
    context.close()

    background = at_start["background"]
    for edges in (at_start, at_end, dark, fitting):
        # The row itself has the page's colour away from the edges.
        assert abs(edges["middle"] - edges["background"]) <= SAME_WITHIN, edges
    # Columns hidden to the right: a shadow there, none at the left.
    assert at_start["scrollable"], at_start
    assert at_start["rightEdge"] < background - DARKER_BY, at_start
    assert abs(at_start["leftEdge"] - background) <= SAME_WITHIN, at_start
    # Scrolled to the end: the shadow moves to the left edge.
    assert abs(at_end["rightEdge"] - background) <= SAME_WITHIN, at_end
    assert at_end["leftEdge"] < background - DARKER_BY, at_end
    # Dark theme: the edge where columns are hidden stands out from the dark page.
    assert dark["background"] < 64, dark
    assert abs(dark["rightEdge"] - dark["background"]) > DARKER_BY, dark
    assert abs(dark["leftEdge"] - dark["background"]) <= SAME_WITHIN, dark
    # The whole table in sight: no shadow at either edge.
    assert not fitting["scrollable"], fitting
    assert abs(fitting["rightEdge"] - background) <= SAME_WITHIN, fitting
    assert abs(fitting["leftEdge"] - background) <= SAME_WITHIN, fitting
