"""A correction request from the customer's first click to staff moving it on."""

import re

import pytest
from django.core import mail

from portal.kernel.staff import staff_create
from rights.choices import Status
from rights.models import RightsRequest
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.customer_support import customer_stepped_up
from tests.e2e.staff_support import confirm, staff_logs_in
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_correction_with_a_question_from_staff(browser, live_server, screenshot, page):
    customer = ProfileFactory(phone="03-1111-2222", user__language="ja").user
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)

    # The customer files a correction of their phone number.
    customer_stepped_up(page, customer.email)
    option = page.locator("select[name=target] option", has_text="03-1111-2222").first
    page.select_option("select[name=target]", value=option.get_attribute("value"))
    page.fill("input[name=new_value]", "090-3333-4444")
    page.fill("textarea[name=details]", "携帯電話に変わりました。")
    with page.expect_navigation():
        page.locator("main form button[name=step][value=review]").click()
    assert "090-3333-4444" in page.locator("main").inner_text()  # the review page
    assert RightsRequest.objects.count() == 0
    page.locator("main form button[name=step][value=file]").click()
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))
    request = RightsRequest.objects.get(subject=customer)
    assert request.scope["changes"][0]["new_value"] == "090-3333-4444"
    screenshot("customer-filed")

    # Staff, logged in with OTP, ask for information.
    staff_context = browser.new_context(base_url=live_server.url, locale="en-US")
    staff = staff_context.new_page()
    staff_logs_in(staff, officer)
    staff.goto(f"/admin/rights/rightsrequest/{request.pk}/change/")
    with staff.expect_navigation():
        staff.locator("button[name=to][value=in_review]").click()
    staff.fill("#rr-reason", "Please send a bill that shows the new number.")
    with staff.expect_navigation():
        staff.locator("button[name=to][value=awaiting_customer]").click()
    request.refresh_from_db()
    assert request.status == Status.AWAITING_CUSTOMER

    # The customer sees the question and answers on the request page.
    page.reload()
    assert "Please send a bill that shows the new number." in page.content()
    page.fill("textarea[name=body]", "請求書を添付できないため、番号の通知書を郵送します。")
    with page.expect_navigation():
        page.locator("main form button[type=submit]", has_text=re.compile(".")).last.click()
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW

    # Staff see the answer on the timeline and complete the request.
    staff.reload()
    assert "番号の通知書を郵送します" in staff.content()
    with staff.expect_navigation():
        staff.locator("button[name=to][value=in_progress]").click()
    # The correction review: the registry value now against the requested one.
    review = staff.locator("#rr-correction")
    assert "03-1111-2222" in review.locator("del").first.inner_text()
    assert "090-3333-4444" in review.locator("ins").first.inner_text()
    review.screenshot(path=str(ARTIFACTS / "correction-staff-review.png"))
    with staff.expect_navigation():
        staff.locator("button[name=decision][value=apply]").click()
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS  # asked first: nothing written yet
    assert "090-3333-4444" in staff.locator(".rr-confirm").inner_text()
    confirm(staff)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    customer.profile.refresh_from_db()
    assert customer.profile.phone == "090-3333-4444"
    staff.screenshot(path=str(ARTIFACTS / "correction-staff-after.png"), full_page=True)
    staff_context.close()

    page.reload()
    timeline = page.locator(".rr-timeline").inner_text()
    assert "Please send a bill" in timeline and "番号の通知書" in timeline
    screenshot("customer-timeline")

    # Every notice went to the customer, in Japanese.
    notices = [m for m in mail.outbox if m.to == [customer.email] and "R-" in m.subject]
    # received, in review, information needed, in progress, completed
    assert len(notices) == 5
    for message in notices:
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", message.subject), message.subject
    assert "Please send a bill that shows the new number." in notices[2].body
    assert "03-1111-2222 → 090-3333-4444" in notices[4].body
