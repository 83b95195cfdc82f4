"""A staff message and a status change e-mail the customer, in their language, with a
link to the request that the browser follows (issue 20, item 4)."""

import re

import pytest
from django.core import mail

from portal.kernel.staff import staff_create
from rights.choices import Kind
from rights.services import request_submit
from tests.e2e.customer_support import customer_stepped_up
from tests.e2e.staff_support import staff_logs_in
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_message_and_status_change_mail_a_link_to_the_request(
    browser, live_server, page, screenshot
):
    customer = ProfileFactory(user__language="en").user
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.DELETION, scope={"everything": True}
    )
    staff_context = browser.new_context(base_url=live_server.url, locale="en-US")
    staff = staff_context.new_page()
    staff_logs_in(staff, officer)
    staff.goto(f"/admin/rights/rightsrequest/{request.pk}/change/")
    with staff.expect_navigation():
        staff.locator("button[name=to][value=in_review]").click()
    staff.fill("#id_body", "We are looking at your request.")
    with staff.expect_navigation():
        staff.get_by_role("button", name="Send message").click()
    staff_context.close()

    to_customer = [m for m in mail.outbox if m.to == [customer.email]]
    status, message = to_customer[-2], to_customer[-1]
    assert status.subject == f"Request {request.reference}: In review"
    assert message.subject == f"New message about request {request.reference}"
    assert "We are looking at your request." not in message.body
    link = re.search(r"http://\S+/requests/\d+/", message.body).group(0)
    assert link.endswith(f"/requests/{request.pk}/") and link in status.body

    customer_stepped_up(page, customer.email)
    page.goto(link.replace(link.split("/requests/")[0], live_server.url))
    assert "We are looking at your request." in page.locator("#thread").inner_text()
    screenshot("request-from-link")
