"""The working page of a disclosure fits a 1280-pixel window in both languages."""

import pytest

from portal.kernel.staff import staff_create
from rights.services import request_submit
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_withhold_form_stays_inside_the_page(browser, live_server, language):
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    customer = UserFactory()
    request = request_submit(subject=customer, requester=customer, kind="disclosure")
    context, page = staff_page(browser, live_server, officer, language)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/admin/rights/rightsrequest/{request.pk}/change/")
    ground = page.locator(".rr-withhold-form select[name=ground]")
    content = page.locator("#content").bounding_box()
    box = ground.bounding_box()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert box["x"] + box["width"] <= content["x"] + content["width"]
    context.close()
