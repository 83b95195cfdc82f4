"""The request page shows what was asked, the deadline and where the request is (issue 20, 2)."""

import pytest

from rights.choices import Kind
from rights.services import request_submit
from tests.consent_support import recipients
from tests.e2e.customer_support import customer_stepped_up
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_request_page_shows_summary_card_deadline_and_steps(page, live_server, screenshot):
    customer = ProfileFactory(user__language="en").user
    affiliate = recipients()["affiliate"]
    request = request_submit(
        subject=customer,
        requester=customer,
        kind=Kind.STOP_PROVISION,
        scope={"recipients": [affiliate.pk]},
        details="They keep calling me.",
    )
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    customer_stepped_up(page, customer.email)
    page.goto(f"/requests/{request.pk}/")

    card = page.locator("section[aria-labelledby=summary-title]")
    assert "Sample Group Sales Co., Ltd." in card.inner_text()
    assert "Expected answer" in card.inner_text()
    steps = page.locator("section[aria-labelledby=progress-title]")
    assert steps.locator("[aria-current=step]").inner_text().startswith("Received")
    assert "Next:" in steps.inner_text()
    screenshot("en")

    page.context.add_cookies([{"name": "django_language", "value": "ja", "url": live_server.url}])
    page.goto(f"/requests/{request.pk}/")
    assert "ご請求の進み具合" in page.locator("main").inner_text()
    screenshot("ja")
