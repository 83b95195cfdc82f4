"""The type picker gives each kind room: no button wraps (issue 20, item 8)."""

import pytest

from rights.demo import seed_fee_demo
from tests.e2e.customer_support import customer_stepped_up
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_type_picker_cards_have_room_and_say_timeline_and_fee(
    page, live_server, screenshot, language
):
    seed_fee_demo()
    customer = ProfileFactory(user__language=language).user
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    customer_stepped_up(page, customer.email)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/requests/new/")
        cards = page.locator(".kind-card")
        assert cards.count() == 6
        for index in range(6):
            button = cards.nth(index).locator(".btn")
            box = button.bounding_box()
            line = float(button.evaluate("b => parseFloat(getComputedStyle(b).lineHeight)"))
            assert box["height"] < 2.5 * line, cards.nth(index).inner_text()
            assert cards.nth(index).locator(".kind-facts dd").count() == 2
        screenshot(f"{width}")
