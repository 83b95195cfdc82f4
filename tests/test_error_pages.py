"""The 404 and 403 pages are the portal's, in the reader's language (WCAG 2.1 3.1.1
Language of Page: Django's own pages say lang="en" in English on a Japanese site)."""

import pytest
from django.test import Client

from portal.kernel.roles import AUDITOR
from portal.kernel.staff import staff_create
from tests.conftest import admin_login
from tests.factories import PASSWORD

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


@pytest.mark.parametrize(
    ("language", "says", "link"),
    [
        ("ja", "あなたのスタッフの役割では行えません", "スタッフ用の画面に戻る"),
        ("en", "Your staff role does not allow this.", "Back to the staff pages"),
    ],
)
def test_staff_refused_in_the_admin_are_told_it_is_their_role_not_their_account(
    language, says, link
):
    """An auditor who posts to an officer's action reads why, in staff terms, with a way
    back to the admin: not the customers' 「お客様のアカウント」 page and its home link."""
    auditor, _device, _ = staff_create(email="audit@example.com", role=AUDITOR, password=PASSWORD)
    client = admin_login(Client(HTTP_ACCEPT_LANGUAGE=language), auditor)
    client.cookies["django_language"] = language
    response = client.post("/admin/rights/legalhold/add/", {"reason": "x"})
    page = response.content.decode()
    assert response.status_code == 403
    assert says in page
    assert f'<a href="/admin/">{link}</a>' in page
    assert "お客様のアカウント" not in page
