"""The staff login page has one h1 (axe: page-has-heading-one): the site's name,
which the page showed already, in the reader's language; nothing else changes."""

import re

import pytest

pytestmark = pytest.mark.django_db


def _h1s(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h1\b.*?</h1>", page, re.S)]


@pytest.mark.parametrize(
    ("language", "name"),
    [("en", "Rights Portal — staff"), ("ja", "プライバシーポータル — スタッフ用")],
)
def test_the_login_page_names_the_site_in_its_one_h1(client, language, name):
    client.cookies["django_language"] = language
    page = client.get("/admin/login/").content.decode()
    assert _h1s(page) == [name]
    assert page.count(name) == 1  # shown once, as before: now as the heading
    assert 'id="site-name"' in page and 'name="username"' in page


def test_other_admin_pages_keep_their_title_as_the_one_h1(officer_client):
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get("/admin/rights/payment/").content.decode()
    assert len(_h1s(page)) == 1
    assert _h1s(page) != ["Rights Portal — staff"]
