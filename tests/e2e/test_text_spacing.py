"""The customer's pages with the text spacing a reader may set (WCAG 2.1 SC 1.4.12:
line height 1.5, letter spacing 0.12 em, word spacing 0.16 em, paragraph spacing
2 em) on the narrowest screen of SC 1.4.10 (320 CSS px, a 1280 px window at 400 %):
nothing sticks out of the page, which never scrolls sideways. In Japanese and English.
"""

import pytest

from rights.services import request_submit
from tests.e2e.customer_support import customer_at, public_form_at
from tests.factories import ProfileFactory

NARROWEST = {"width": 320, "height": 800}
SPACING = (
    "* { line-height: 1.5 !important; letter-spacing: 0.12em !important;"
    " word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }"
)
STICKING_OUT = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''))"""


def _spaced_page(browser, live_server, language):
    # The reader's style sheet is not the site's: the site's policy does not apply to it.
    context = browser.new_context(
        base_url=live_server.url, viewport=NARROWEST, bypass_csp=True, locale="ja-JP"
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    return context.new_page()


def _assert_fits(page, where: str) -> None:
    page.add_style_tag(content=SPACING)
    assert page.evaluate(STICKING_OUT) == [], where
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{where}: the page is {width[0]} px wide"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_request_page_fits_with_wider_text_spacing(browser, live_server, language):
    customer = ProfileFactory(user__language=language).user
    request = request_submit(subject=customer, requester=customer, kind="disclosure")
    page = _spaced_page(browser, live_server, language)

    customer_at(page, customer.email, f"/requests/{request.pk}/")

    _assert_fits(page, f"request page ({language})")
    page.context.close()


def test_the_public_form_fits_with_wider_text_spacing(browser, live_server):
    page = _spaced_page(browser, live_server, "en")

    public_form_at(page, "someone@example.com")

    _assert_fits(page, "public form")
    page.context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_privacy_policy_fits_with_wider_text_spacing(browser, live_server, language):
    """The badge beside each purpose of use ("Optional: only with your consent") wraps
    inside the page rather than running past its edge."""
    page = _spaced_page(browser, live_server, language)

    page.goto("/privacy/")

    assert page.locator(".purpose-list .badge").count() >= 1
    _assert_fits(page, f"privacy policy ({language})")
    page.context.close()
