"""An APPI disclosure with a fee: asked, shown to the customer, paid by bank transfer, moved on."""

import pytest

from portal.kernel.staff import staff_create
from rights.choices import PaymentStatus, Status
from rights.models import RightsRequest
from tests.e2e.customer_support import customer_files_disclosure
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, ProfileFactory
from tests.formats_support import shown_date
from tests.rights.fee_support import publish

pytestmark = pytest.mark.django_db(transaction=True)


def test_disclosure_fee_paid_by_bank_transfer(browser, live_server, screenshot, page):
    """APPI art. 38: the published fee is told with its reference and deadline; the request
    waits (clock paused) and moves on once staff record the transfer."""
    publish(amount=1000)
    customer = ProfileFactory(user__language="ja").user
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)

    customer_files_disclosure(page, customer.email)
    request = RightsRequest.objects.get(subject=customer)

    # Staff review it and confirm the published fee.
    staff_context, staff = staff_page(browser, live_server, officer, "en")
    staff.goto(f"/admin/rights/rightsrequest/{request.pk}/change/")
    with staff.expect_navigation():
        staff.locator("button[name=to][value=in_review]").click()
    assert "1,000" in staff.locator("#id_fee_amount").inner_text()  # APPI art. 38: shown, not typed
    with staff.expect_navigation():
        staff.locator("button[name=confirm_fee]").click()
    request.refresh_from_db()
    assert request.status == Status.AWAITING_PAYMENT
    payment = request.payments.get()

    # The customer sees the amount, the reference and the date to pay by.
    page.reload()
    fee_box = page.locator(".fee-box").inner_text()
    assert "1,000円" in fee_box
    assert payment.reference in fee_box
    assert shown_date(payment.due_at, "ja") in fee_box
    assert page.locator(".status-awaiting_payment").count() == 1
    screenshot("fee-due")

    # Staff record the bank transfer.
    staff.reload()
    staff.select_option(f"#id_paid_method_{payment.pk}", "bank_transfer")
    with staff.expect_navigation():
        staff.locator("button[name=record_payment]").click()
    with staff.expect_navigation():  # what it starts, confirmed
        staff.get_by_role("button", name="Record the payment").click()
    payment.refresh_from_db()
    request.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.confirmed_by == officer
    # In progress, then (tasks in-process here) the disclosure is delivered at once.
    assert request.events.filter(to_status=Status.IN_PROGRESS).count() == 1
    assert request.status == Status.COMPLETED
    staff_context.close()

    # The customer sees the request answered and a receipt.
    page.reload()
    assert page.locator(".status-completed").count() == 1
    page.locator("a[href$='/receipt/']").click()
    page.wait_for_url("**/receipt/")
    receipt = page.locator(".receipt").inner_text()
    assert payment.reference in receipt and "1,000円" in receipt
    screenshot("receipt")
