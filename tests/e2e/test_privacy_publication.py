"""APPI art. 32(1) in the browser: /privacy/ shows every published item in ja and en."""

import pytest

from tests.consent_support import recipients
from tests.test_privacy_publication import ITEMS

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
