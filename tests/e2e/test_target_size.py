"""WCAG 2.2 target size (2.5.8, axe "target-size"): every link and button a person
taps is at least 24 by 24 CSS pixels, or has that much room around it.

Django admin draws the choices of a list's filters (the panel beside a list, "All",
"Pending"...) as links on lines of about 17 pixels, stacked with no room between
them: a finger or a shaky pointer hit the choice above or below. The rest of the
suite checks WCAG 2.1, which has no such rule; this test runs the one rule."""

import pytest

from portal.kernel.staff import staff_create
from tests.e2e.customer_support import page_in
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

#: Lists with a filter panel: the request queue (also with a choice made), the erasures
#: waiting for a hold, the audit trail, the legal holds, the erasure ledger (a date range
#: among the filters).
LISTS = [
    "/admin/rights/rightsrequest/",
    "/admin/rights/rightsrequest/?status__exact=submitted",
    "/admin/rights/deferrederasure/",
    "/admin/portal/auditevent/",
    "/admin/rights/legalhold/",
    "/admin/rights/erasureledgerentry/",
]

#: Pages a person reaches without an account.
CUSTOMER_PAGES = ["/", "/accounts/login/", "/requests/start/"]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_admin_filter_links_are_big_enough_to_tap(browser, live_server, target_size, language):
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    context, page = staff_page(browser, live_server, officer, language)
    small = {}
    for path in LISTS:
        for width, height in ((1280, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(path)
            if width == 1280:
                assert page.locator("#changelist-filter a").count() > 2, path
            if found := target_size(page):
                small[f"{path} at {width} px"] = [selector for selector, _why in found]
    context.close()
    assert not small, "\n".join(f"{where}: {nodes}" for where, nodes in small.items())


@pytest.mark.parametrize("language", ["ja", "en"])
def test_customer_pages_targets_are_big_enough(browser, live_server, target_size, language):
    small = {}
    for viewport in ({"width": 1280, "height": 900}, {"width": 390, "height": 844}):
        page = page_in(browser, live_server, language, viewport)
        for path in CUSTOMER_PAGES:
            page.goto(path)
            if found := target_size(page):
                small[f"{path} at {viewport['width']} px"] = [selector for selector, _ in found]
        page.context.close()
    assert not small, "\n".join(f"{where}: {nodes}" for where, nodes in small.items())
