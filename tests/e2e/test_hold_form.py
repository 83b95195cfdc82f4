"""Placing a legal hold in Chromium (issue 20, item 16): the customer found by typing
their address, one of their invoices ticked in the list of their records
(GDPR art. 17(3)(e): data needed for a legal claim is kept)."""

import pytest

from portal.kernel.staff import staff_create
from portal.records.models import Invoice
from rights.retention.models import LegalHold
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD
from tests.rights.retention_support import customer_with_records

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_customer_by_search_and_a_record_by_ticking_it(browser, live_server):
    ARTIFACTS.mkdir(exist_ok=True)
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    customer = customer_with_records(invoices=[(2025, 4, 30), (2025, 12, 1)])
    customer_with_records()  # another customer, whose records are never listed
    invoice = Invoice.objects.filter(user=customer).order_by("issued_on").first()
    context, staff = staff_page(browser, live_server, officer, "en")
    staff.goto("/admin/rights/legalhold/add/")
    assert staff.locator("#id_records input[type=checkbox]").count() == 0

    staff.locator(".field-subject .select2-selection").click()
    staff.locator(".select2-search__field").fill(customer.email)
    staff.locator(".select2-results__option", has_text=customer.email).click()
    box = staff.locator(f"#id_records input[value='portal.invoice:{invoice.pk}']")
    box.wait_for()
    assert "2025-04-30" in staff.locator("#id_records").inner_text()
    box.check()
    staff.fill("#id_reason", "Claim filed at the Tokyo District Court")
    staff.fill("#id_legal_basis", "GDPR art. 17(3)(e)")
    staff.screenshot(path=str(ARTIFACTS / "legal-hold-form-picker.png"), full_page=True)
    staff.locator("input[name=_save]").click()
    staff.wait_for_url("**/legalhold/")
    hold = LegalHold.objects.get()
    assert hold.subject == customer and hold.records == [f"portal.invoice:{invoice.pk}"]
    context.close()
