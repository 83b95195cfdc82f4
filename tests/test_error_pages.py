"""The 404 and 403 pages are the portal's, in the reader's language (WCAG 2.1 3.1.1
Language of Page: Django's own pages say lang="en" in English on a Japanese site)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading"), [("ja", "ページが見つかりません"), ("en", "Page not found")]
)
def test_an_unknown_address_gets_the_portals_page_in_the_readers_language(language, heading):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{language}">' in page
    assert f"<h1>{heading}</h1>" in page
