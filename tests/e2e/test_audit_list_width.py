"""The audit screen at 1280 pixels, navigation open: every column in sight, and what
happened readable in both languages."""

import pytest

from portal.kernel.audit import audit_log
from portal.kernel.roles import AUDITOR
from portal.kernel.staff import staff_create
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_audit_list_fits_a_1280_pixel_window(browser, live_server, language):
    auditor, _device, _ = staff_create(
        email="a.long.auditor.address@example.com", role=AUDITOR, password=PASSWORD
    )
    customer = UserFactory(email="a.customer.with.a.long.address@example.com")
    audit_log(action="staff.viewed_request", actor=auditor, target=customer, subject=customer)
    context, page = staff_page(browser, live_server, auditor, language)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/admin/portal/auditevent/")
    results = page.evaluate(
        "(() => { const r = document.querySelector('.results');"
        " return [r.scrollWidth, r.clientWidth]; })()"
    )
    assert results[0] <= results[1], results
    action = page.locator("#result_list thead th.column-action_label").bounding_box()
    assert action["width"] >= 100
    context.close()
