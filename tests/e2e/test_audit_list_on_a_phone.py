"""The audit screen on a phone (390 px wide), in both languages: axe finds nothing. The
search bar's "Show all" link sat in the grey result count, told from it by colour alone
(WCAG 1.4.1, axe "link-in-text-block")."""

import pytest

from portal.kernel.audit import audit_log
from portal.kernel.roles import AUDITOR
from portal.kernel.staff import staff_create
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_audit_list_on_a_phone_passes_axe(browser, live_server, axe_check, language):
    auditor, _device, _ = staff_create(email="audit@example.com", role=AUDITOR, password=PASSWORD)
    customer = UserFactory(email="customer@example.com")
    audit_log(action="staff.viewed_request", actor=auditor, target=customer, subject=customer)
    context, page = staff_page(browser, live_server, auditor, language)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/admin/portal/auditevent/")
    assert page.locator("#changelist-search .small a").count() == 1
    assert axe_check(page, f"audit list [{language}, phone]") == []
    context.close()
