"""Single-use downloads say so before the click, and a fresh link can be asked for once
(issue 20, item 11)."""

import re

import pytest

from rights.disclosure.models import DisclosurePackage
from tests.e2e.customer_support import completed_disclosure, download_zip

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("package_storage")]


def test_download_limits_shown_before_the_click_and_one_fresh_link(page, live_server, screenshot):
    _customer, request = completed_disclosure(page, live_server, "en")
    box = page.locator(".delivery-box").inner_text()
    assert "You can download it once, until" in box
    assert "you can ask for a new link once" in box
    screenshot("before")

    download_zip(page)
    page.goto(f"/requests/{request.pk}/")
    assert "the link no longer works" in page.locator(".delivery-box").inner_text()
    screenshot("used")
    page.get_by_role("button", name="Get a new link").click()
    page.wait_for_url(re.compile(r".*/downloads/[A-Za-z0-9_-]{43}/$"))
    assert "Here is your new link" in page.locator("body").inner_text()
    assert page.locator(".downloads-left").inner_text().startswith("1")
    screenshot("renewed")
    with page.expect_download():
        page.locator("button[name=download]").click()
    package = DisclosurePackage.objects.get(request=request)
    assert package.download_count == 2 and package.renewed_at is not None

    page.goto(f"/requests/{request.pk}/")
    assert page.get_by_role("button", name="Get a new link").count() == 0
    assert page.locator("a", has_text="File a new disclosure request").count() == 1
    screenshot("used-again")
