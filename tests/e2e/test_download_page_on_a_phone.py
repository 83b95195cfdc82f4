"""The download page on a phone (390 px): the file's SHA-256, one unbroken 64-letter
word, wraps inside its box, and the page never scrolls sideways."""

import re

import pytest

from tests.e2e.customer_support import completed_disclosure, page_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("package_storage")]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_download_page_fits_a_phone(browser, live_server, axe_check, language):
    page = page_in(browser, live_server, language, PHONE)
    page.context.set_default_timeout(15_000)
    completed_disclosure(page, live_server, language)
    page.locator("a.download-link").click()
    page.wait_for_url(re.compile(r".*/downloads/[A-Za-z0-9_-]{43}/$"))

    width, window = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= window, f"the download page is {width} px wide on a {window} px phone"
    digest = page.locator("code.digest").bounding_box()
    box = page.locator(".download-box").bounding_box()
    assert digest["x"] + digest["width"] <= box["x"] + box["width"]
    axe_check(page, f"download page [{language}, phone]")
    page.context.close()
