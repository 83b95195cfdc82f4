"""A page that tells the customer they can make a request links to where they make it:
"my data" to the request forms, the consent page to the stop-use form."""

import re

import pytest

pytestmark = pytest.mark.django_db


def _link(html: str, href: str) -> str:
    """The text of the link to ``href`` in the page's main content ('' when none)."""
    main = html[html.index("<main") :]
    found = re.search(rf'<a[^>]*href="{re.escape(href)}"[^>]*>(.*?)</a>', main, re.S)
    return found.group(1).strip() if found else ""


@pytest.mark.parametrize(("language", "text"), [("en", "make a request"), ("ja", "ご請求")])
def test_my_data_links_its_request_sentence_to_the_request_forms(stepped_up_client, language, text):
    stepped_up_client.cookies["django_language"] = language
    html = stepped_up_client.get("/my-data/").content.decode()
    assert text in _link(html, "/requests/new/")


@pytest.mark.parametrize(("language", "text"), [("en", "stop-use request"), ("ja", "利用停止")])
def test_the_consent_page_links_its_stop_use_sentence_to_the_stop_use_form(
    stepped_up_client, language, text
):
    stepped_up_client.cookies["django_language"] = language
    html = stepped_up_client.get("/consent/").content.decode()
    assert text in _link(html, "/requests/new/stop_use/")
    assert stepped_up_client.get("/requests/new/stop_use/").status_code == 200
