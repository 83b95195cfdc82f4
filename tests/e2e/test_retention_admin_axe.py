"""The officer's retention screens pass axe-core (WCAG 2.1 A/AA) at 1280 pixels, in both
languages: legal holds (list, new, one), retention rules (list, new, one), deferred
erasures, the retention and scheduled runs, the audit trail. The breadcrumbs' links
were told from the text beside them by colour alone (link-in-text-block) and the
customer picker of a new hold had no name (aria-input-field-name)."""

import pytest

from portal.kernel.staff import staff_create
from rights.retention.models import RetentionRule
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD
from tests.rights.retention_support import customer_with_records, litigation_hold

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_retention_screens_pass_axe_at_1280_pixels(browser, live_server, axe_check, language):
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    hold = litigation_hold(officer, customer_with_records())
    rule = RetentionRule.objects.get(code="usage-log")
    context, page = staff_page(browser, live_server, officer, language)
    page.set_viewport_size({"width": 1280, "height": 900})
    for path in [
        "/admin/rights/legalhold/",
        "/admin/rights/legalhold/add/",
        f"/admin/rights/legalhold/{hold.pk}/change/",
        "/admin/rights/retentionrule/",
        "/admin/rights/retentionrule/add/",
        f"/admin/rights/retentionrule/{rule.pk}/change/",
        "/admin/rights/deferrederasure/",
        "/admin/rights/retentionrun/",
        "/admin/portal/scheduledrun/",
        "/admin/portal/auditevent/",
    ]:
        page.goto(path)
        assert axe_check(page, f"{path} [{language}]") == [], path
    context.close()
