"""APPI art. 32(1) in the browser: /privacy/ shows every published item in ja and en."""

import pytest

from tests.consent_support import ITEMS, SERVICE_PAGE_ITEMS, recipients, service_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_privacy_page_shows_every_art_32_item(page, live_server, screenshot, language):
    recipients()
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.goto("/privacy/")

    html = page.content()
    missing = [item for item in ITEMS[language] if item not in html]
    assert not missing
    for section in ("#company", "#security", "#contact"):
        assert page.locator(section).is_visible()
    page.locator("#contact").scroll_into_view_if_needed()
    screenshot(f"privacy-{language}")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_privacy_page_and_a_service_page_show_every_art_32_item(
    page, live_server, screenshot, axe_check, language
):
    """APPI art. 32(1) and 21(1): from /privacy/ the reader follows the link to a
    service's page, which shows every art. 32 item and the service's own purposes,
    method and scope, retention, partner companies and inquiry window."""
    service_page(recipients()["delivery"])
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.goto("/privacy/")
    assert not [item for item in ITEMS[language] if item not in page.content()]
    page.locator('#services a[href="/services/video/"]').click()
    page.wait_for_url("**/services/video/")

    html = page.content()
    missing = [item for item in ITEMS[language] + SERVICE_PAGE_ITEMS[language] if item not in html]
    assert not missing
    for section in ("#service-purposes", "#service-retention", "#service-desk", "#contact"):
        assert page.locator(section).is_visible()
    assert axe_check(page, f"service page [{language}]") == []
    page.locator("#service-desk").scroll_into_view_if_needed()
    screenshot(f"service-page-{language}")
