"""Withdrawing a request asks first and says what it means (nothing happens on one click)."""

import pytest

from rights.choices import Status
from rights.models import RightsRequest
from rights.services import request_submit
from tests.e2e.customer_support import customer_stepped_up
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_withdraw_asks_for_confirmation_then_withdraws(page, live_server, screenshot):
    customer = ProfileFactory(user__language="en").user
    request = request_submit(
        subject=customer,
        requester=customer,
        kind="disclosure",
        details="Everything",
        scope={"everything": True},
        delivery_method="electronic",
    )
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    customer_stepped_up(page, customer.email)
    page.goto(f"/requests/{request.pk}/")

    page.get_by_role("link", name="Withdraw this request…").click()
    page.wait_for_url(f"**/requests/{request.pk}/withdraw/")
    assert "What withdrawing means" in page.locator("main").inner_text()
    screenshot("confirm")
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED

    page.get_by_role("link", name="Keep the request").click()
    page.wait_for_url(f"**/requests/{request.pk}/")
    page.get_by_role("link", name="Withdraw this request…").click()
    page.fill("textarea[name=reason]", "Filed twice")
    page.get_by_role("button", name="Withdraw the request").click()
    page.wait_for_url(f"**/requests/{request.pk}/")
    assert RightsRequest.objects.get(pk=request.pk).status == Status.WITHDRAWN
    screenshot("withdrawn")
