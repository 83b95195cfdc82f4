"""Script typed into a correction stays text, in the portal and in the admin.

Two layers are checked: the value is escaped (it shows on the page as the
characters typed), and no script runs — no dialog opens and the browser
reports no Content-Security-Policy violation, which an injected inline
script would cause. The same pages show the admin works under the policy.
"""

import re

import pytest

from portal.kernel.staff import staff_create
from rights.correction import requested_changes
from rights.models import RightsRequest
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.customer_support import customer_stepped_up
from tests.e2e.staff_support import staff_logs_in
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = "<script>alert('xss')</script><img src=x onerror=\"alert('img')\">"
DETAILS = '"><svg onload=alert(2)>'


def _watch(page) -> tuple[list[str], list[str]]:
    """Collect dialogs (dismissed at once) and CSP violations reported on the console."""
    dialogs: list[str] = []
    violations: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return dialogs, violations


def test_script_in_a_correction_is_shown_as_text_in_portal_and_admin(
    browser, live_server, page, screenshot
):
    customer = ProfileFactory(address="東京都千代田区1-1", user__language="ja").user
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    dialogs, violations = _watch(page)

    customer_stepped_up(page, customer.email)
    option = page.locator("select[name=target] option", has_text="東京都千代田区1-1").first
    page.select_option("select[name=target]", value=option.get_attribute("value"))
    page.fill("input[name=new_value]", SCRIPT)
    page.fill("textarea[name=details]", DETAILS)
    with page.expect_navigation():
        page.locator("main form button[name=step][value=review]").click()
    review = page.locator("main").inner_text()  # the review page shows it as text
    assert SCRIPT in review and DETAILS in review
    assert page.locator("main img[src=x]").count() == 0
    page.locator("main form button[name=step][value=file]").click()
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))
    request = RightsRequest.objects.get(subject=customer)
    assert requested_changes(request)[0].new_value == SCRIPT

    page.fill("textarea[name=body]", SCRIPT)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    page.reload()
    main = page.locator("main").inner_text()
    assert SCRIPT in main and DETAILS in main
    assert page.locator("main img[src=x]").count() == 0
    assert page.locator("main script").count() == 0
    screenshot("portal")

    staff_context = browser.new_context(base_url=live_server.url, locale="en-US")
    staff = staff_context.new_page()
    staff_dialogs, staff_violations = _watch(staff)
    staff_logs_in(staff, officer)
    for path in (
        "/admin/",
        "/admin/rights/rightsrequest/",
        f"/admin/rights/rightsrequest/{request.pk}/change/",
    ):
        staff.goto(path)
        staff.wait_for_load_state("networkidle")
    content = staff.locator("#content").inner_text()
    assert SCRIPT in content
    assert staff.locator("#content img[src=x]").count() == 0
    assert staff.locator("#content script:not([src])").count() == 0
    # The admin's own JavaScript ran under the policy (the page's widgets are live).
    assert staff.evaluate("typeof window.django") == "object"
    ARTIFACTS.mkdir(exist_ok=True)
    staff.screenshot(path=str(ARTIFACTS / "test_xss-admin-change.png"), full_page=True)

    assert dialogs == [] and staff_dialogs == []
    assert violations == [] and staff_violations == []
    staff_context.close()
