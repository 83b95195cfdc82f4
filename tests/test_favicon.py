"""The portal has an icon: pages link it and /favicon.ico finds it (no 404 in every log)."""

import pytest

pytestmark = pytest.mark.django_db


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")


def test_pages_link_the_icon(client):
    page = client.get("/").content.decode()

    assert 'rel="icon"' in page and "img/favicon.svg" in page
