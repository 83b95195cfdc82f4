"""The search box above an admin list has a label in words, not only an icon.

Django's stock form labels the box with a magnifier image whose ``alt`` is the only
text: axe's ``label-title-only`` fails it wherever the box also has a help text
(``aria-describedby``), and a sighted user reads no label at all. The label reads
"Search" in the language of the page.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db


class _SearchLabel(HTMLParser):
    """The visible text of ``<label for="searchbar">`` (image ``alt`` is not visible)."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.found = False
        self.text = ""

    def handle_starttag(self, tag, attrs):
        if tag == "label" and dict(attrs).get("for") == "searchbar":
            self.inside = self.found = True

    def handle_endtag(self, tag):
        if tag == "label":
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.text += data


def _label_text(response) -> str:
    parser = _SearchLabel()
    parser.feed(response.content.decode())
    assert parser.found, "no label for the search box"
    return " ".join(parser.text.split())


@pytest.mark.parametrize("url", ["/admin/rights/rightsrequest/", "/admin/portal/auditevent/"])
@pytest.mark.parametrize(("language", "word"), [("en", "Search"), ("ja", "検索")])
def test_the_search_box_has_a_label_in_words(officer_client, url, language, word):
    officer_client.cookies["django_language"] = language
    response = officer_client.get(url)
    assert response.status_code == 200
    assert _label_text(response) == word


def test_the_request_queue_keeps_its_show_all_link(officer_client):
    officer_client.cookies["django_language"] = "en"
    response = officer_client.get("/admin/rights/rightsrequest/?q=nobody")
    page = response.content.decode()
    assert re.search(r'<a href="\?state=all">Show all</a>', page)
