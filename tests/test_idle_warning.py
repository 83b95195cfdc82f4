"""Before the idle logout, the customer is warned and may stay logged in (WCAG 2.1
SC 2.2.1 Timing Adjustable): every page of a logged-in customer says how long the
session has left, and one press of "Stay logged in" starts the idle time again.

The warning itself, in the browser: tests/e2e/test_idle_warning.py.
"""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings

from portal.kernel.middleware import LAST_SEEN_KEY

pytestmark = pytest.mark.django_db

KEEP = "/accounts/session/keep/"


def _idle_for(client, seconds: float) -> float:
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - seconds
    session.save()
    return session[LAST_SEEN_KEY]


def _seconds_left(html: str) -> int:
    match = re.search(r'data-idle-seconds-left="(\d+)"', html)
    assert match, "no idle warning on the page"
    return int(match.group(1))


def test_a_customers_page_carries_the_warning_with_the_time_left(client, customer):
    client.force_login(customer)
    _idle_for(client, 30)

    html = client.get("/").content.decode()

    # Less than a minute since the session was last marked: the mark stands.
    left = _seconds_left(html)
    assert settings.SESSION_IDLE_TIMEOUT - 32 <= left <= settings.SESSION_IDLE_TIMEOUT - 29
    assert 'role="alertdialog"' in html
    assert f'action="{KEEP}"' in html


def test_a_visitor_gets_no_warning(client):
    assert "data-idle-seconds-left" not in client.get("/").content.decode()


def test_staying_logged_in_starts_the_idle_time_again(client, customer):
    client.force_login(customer)
    # Thirty seconds before the logout: too close for an ordinary page to move the mark.
    before = _idle_for(client, settings.SESSION_IDLE_TIMEOUT - 30)

    response = client.post(KEEP, HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json() == {"seconds_left": settings.SESSION_IDLE_TIMEOUT}
    assert client.session[LAST_SEEN_KEY] > before + settings.SESSION_IDLE_TIMEOUT - 60
    # An hour later by the old mark, the customer is still logged in.
    assert client.get("/account/").status_code in (200, 302)
    assert "_auth_user_id" in client.session


def test_without_script_the_button_returns_to_the_page(client, customer):
    client.force_login(customer)
    _idle_for(client, settings.SESSION_IDLE_TIMEOUT - 30)

    response = client.post(KEEP, {"next": "/my-data/"})

    assert response.status_code == 302
    assert response.url == "/my-data/"
    assert time.time() - client.session[LAST_SEEN_KEY] < 5


def test_an_address_elsewhere_is_not_followed(client, customer):
    client.force_login(customer)

    response = client.post(KEEP, {"next": "https://evil.example/"})

    assert response.status_code == 302
    assert response.url == "/"


def test_a_session_that_already_ended_is_not_brought_back(client, customer):
    client.force_login(customer)
    _idle_for(client, settings.SESSION_IDLE_TIMEOUT + 5)

    response = client.post(KEEP, HTTP_ACCEPT="application/json")

    assert response.status_code == 401
    assert response.json() == {"seconds_left": 0}
    assert "_auth_user_id" not in client.session
