"""Issue 20, acceptance 2 in the browser: what the reader sees on the customer pages
holds no sentence of the other language and no Python repr."""

import pytest

from rights.choices import Kind
from rights.demo import seed_fee_demo
from rights.services import request_submit
from tests.e2e.customer_support import customer_stepped_up
from tests.language_leaks import leaks
from tests.rights.retention_support import customer_with_records

pytestmark = pytest.mark.django_db(transaction=True)

ALLOWED = ("請求について", "先月の請求額を教えてください。", "月額料金", "スタンダード")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_customer_pages_read_in_one_language(page, live_server, screenshot, language):
    seed_fee_demo()
    customer = customer_with_records(language=language)
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.DISCLOSURE, delivery_method="paper"
    )
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    customer_stepped_up(page, customer.email)
    # The customer's own data: the sessions on "my data" show the browser's user agent.
    allowed = (ALLOWED if language == "en" else ()) + (page.evaluate("navigator.userAgent"),)
    for label, url in (
        ("home", "/"),
        ("my-data", "/my-data/"),
        ("new", "/requests/new/"),
        ("request", f"/requests/{request.pk}/"),
        ("fees", "/fees/"),
        ("consent", "/consent/"),
    ):
        page.goto(url)
        text = page.locator("body").inner_text()
        assert leaks(text, language, allowed) == [], (url, leaks(text, language, allowed))
        if label in ("request", "fees"):
            screenshot(label)
