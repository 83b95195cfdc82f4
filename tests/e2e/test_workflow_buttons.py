"""The working page of a deletion in review, in Chromium: no bare "Completed" button,
and the page says what completes it (APPI art. 35; GDPR art. 17)."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.kernel.staff import staff_create
from rights import workflow
from rights.choices import Status
from tests.conftest import totp_code
from tests.e2e.conftest import ARTIFACTS
from tests.factories import PASSWORD
from tests.rights.retention_support import customer_with_records, file_deletion

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_deletion_in_review_offers_only_the_moves_the_workflow_allows(browser, live_server):
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    request = file_deletion(customer_with_records(), scope={"everything": True})
    # In review: in progress, the erasure would run (and complete it) at once.
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    staff = context.new_page()
    staff.goto("/admin/login/")
    staff.fill("input[name=username]", officer.email)
    staff.fill("input[name=password]", PASSWORD)
    staff.fill("input[name=otp_token]", totp_code(TOTPDevice.objects.get(user=officer)))
    staff.locator("input[type=submit]").click()
    staff.wait_for_url("**/admin/")
    staff.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    staff.goto(f"/admin/rights/rightsrequest/{request.pk}/change/")
    buttons = staff.locator("button[name=to]")
    values = [buttons.nth(i).get_attribute("value") for i in range(buttons.count())]
    assert values == workflow.allowed_transitions(request, officer)
    assert values == ["awaiting_customer", "in_progress", "rejected", "withdrawn"]
    held_back = staff.locator(".rr-held-back").inner_text()
    assert "Completed, Partially completed: A deletion is completed by its erasure" in held_back
    assert (
        "Awaiting payment: Correction, stop of use or provision and deletion are always free"
        in held_back
    )
    ARTIFACTS.mkdir(exist_ok=True)
    staff.screenshot(path=str(ARTIFACTS / "deletion-in-review-working-page.png"), full_page=True)
    context.close()
