"""A stop-use request decided by staff in the browser, then seen by the customer on /consent/.

APPI art. 35(1), GDPR art. 21(3): after approval, marketing use stops at once.
"""

import pytest

from consent import services as consent
from consent.models import ConsentRecord
from portal.kernel.staff import staff_create
from rights.choices import Status
from tests.consent_support import purpose
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.customer_support import customer_at
from tests.e2e.staff_support import confirm, staff_page
from tests.factories import PASSWORD, ProfileFactory
from tests.rights.stop_support import marketing_stop_in_review

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_stop_marketing_and_the_customer_sees_the_stop(
    browser, live_server, page, screenshot
):
    customer = ProfileFactory(user__language="ja").user
    consent.consent_update(
        subject=customer,
        choices={purpose("marketing"): True},
        method=ConsentRecord.Method.DASHBOARD,
    )
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    request = marketing_stop_in_review(customer, officer, "広告メールを止めてください。")

    staff_context, staff = staff_page(browser, live_server, officer, "en")
    staff.goto(f"/admin/rights/rightsrequest/{request.pk}/change/")
    section = staff.locator("#rr-stop")
    assert "In use" in section.inner_text()
    section.screenshot(path=str(ARTIFACTS / "stop-staff-decision.png"))
    staff.select_option("select[name='decision:purpose:marketing']", "stop")
    with staff.expect_navigation():
        section.locator("button[type=submit]").click()
    assert consent.may_use(customer, "marketing")  # asked first: nothing stopped yet
    confirm(staff)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert not consent.may_use(customer, "marketing")
    staff.screenshot(path=str(ARTIFACTS / "stop-staff-after.png"), full_page=True)
    staff_context.close()

    customer_at(page, customer.email, "/consent/")
    stops = page.locator("section[aria-labelledby=restrictions-title]")
    assert request.reference in stops.inner_text()
    screenshot("consent-stops")
