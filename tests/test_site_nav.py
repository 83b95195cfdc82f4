"""The customer's main menu: what is about their data first (my data, requests,
consent), then their account and logging out; the page shown is marked current."""

import re

import pytest

from tests.conftest import step_up
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _menu(page: str) -> list[str]:
    nav = re.search(r'<nav class="site-nav".*?</nav>', page, re.S)[0]
    return [
        re.sub(r"\s+", " ", item).strip() for item in re.findall(r">([^<>]+)</(?:a|button)>", nav)
    ]


def test_the_menu_lists_the_customers_data_before_their_account(
    client, django_capture_on_commit_callbacks
):
    step_up(client, UserFactory(), django_capture_on_commit_callbacks, "en")
    response = client.get("/consent/")
    assert response.status_code == 200
    page = response.content.decode()
    assert _menu(page) == ["Home", "My data", "Requests", "Consent", "Account settings", "Log out"]
    assert re.search(r'href="/consent/" aria-current="page">Consent<', page)


def test_the_menu_of_a_visitor_offers_logging_in_and_signing_up(client):
    client.cookies["django_language"] = "en"
    assert _menu(client.get("/").content.decode()) == ["Home", "Log in", "Sign up"]
