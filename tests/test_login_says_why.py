"""The login page a logged-out person is sent to from a page of the portal says why."""

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db

WHY = {
    "en": "Log in to open the page you asked for.",
    "ja": "お求めのページを開くには、ログインしてください。",
}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_page_opened_logged_out_leads_to_a_login_that_says_why(client, language):
    client.cookies["django_language"] = language
    response = client.get("/my-data/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=/my-data/")
    assert WHY[language] in response.content.decode()


def test_the_login_opened_directly_says_nothing_of_a_page(client):
    response = client.get("/accounts/login/")
    with translation.override("ja"):
        assert WHY["en"] not in response.content.decode()
        assert WHY["ja"] not in response.content.decode()
