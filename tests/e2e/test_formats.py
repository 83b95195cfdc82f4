"""Dates and numbers written one way per language in the browser (issue 20, item 5)."""

import re

import pytest

from rights.choices import Kind
from rights.services import request_submit
from tests.e2e.customer_support import customer_stepped_up
from tests.factories import PaymentMethodFactory, ProfileFactory
from tests.formats_support import OTHER_STYLES, shown_date

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_dates_and_years_in_the_reader_style(page, live_server, screenshot, language):
    customer = ProfileFactory(user__language=language).user
    PaymentMethodFactory(user=customer, exp_year=2030)
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.DISCLOSURE, delivery_method="paper"
    )
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    customer_stepped_up(page, customer.email)
    page.goto(f"/requests/{request.pk}/")
    main = page.locator("main").inner_text()
    assert not OTHER_STYLES.search(main), OTHER_STYLES.search(main).group(0)
    assert shown_date(request.due_at, language) in main
    screenshot("request")
    page.goto("/my-data/")
    main = page.locator("main").inner_text()
    assert "2030" in main and "2,030" not in main
    assert not re.search(r"\d{4}-\d{2}-\d{2}", main)
    screenshot("my-data")
