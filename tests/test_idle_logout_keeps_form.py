"""A form sent after the session ended for inactivity is not lost.

Filling in a long request (finding the address as registered, writing the note) can
take longer than the idle limit. The customer logs in again and confirms it is them;
the page then shows what they typed, once, and only to the same customer (APPI
art. 37: the procedure must not burden the person excessively).
"""

from __future__ import annotations

import time

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from portal.kernel.middleware import LAST_SEEN_KEY
from tests.factories import PASSWORD, ProfileFactory
from tests.stepup_support import step_up_again

pytestmark = pytest.mark.django_db

URL = "/requests/new/correction/"
NOTE = "昨年引っ越しました。郵便番号も106-6108に変わっています。"


def _idle_for_a_day(client) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - 24 * 60 * 60
    session.save()


def _log_in(client, user) -> None:
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content


def test_a_form_sent_after_the_idle_logout_comes_back_after_logging_in_again(
    stepped_up_client, customer, django_capture_on_commit_callbacks
):
    stepped_up_client.cookies["django_language"] = "en"
    _idle_for_a_day(stepped_up_client)

    response = stepped_up_client.post(URL, {"details": NOTE, "new_value": "東京都港区六本木6-10-1"})

    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("What you typed is kept" in m for m in shown), shown
    _log_in(stepped_up_client, customer)
    step_up_again(stepped_up_client, django_capture_on_commit_callbacks, URL)
    page = stepped_up_client.get(URL).content.decode()
    assert NOTE in page and "東京都港区六本木6-10-1" in page


def test_another_customer_logging_in_on_that_browser_does_not_see_it(
    stepped_up_client, customer, django_capture_on_commit_callbacks
):
    """A shared computer: the next person to log in is not shown the first one's text."""
    _idle_for_a_day(stepped_up_client)
    stepped_up_client.post(URL, {"details": NOTE})
    other = ProfileFactory().user

    _log_in(stepped_up_client, other)
    step_up_again(stepped_up_client, django_capture_on_commit_callbacks, URL)

    assert NOTE not in stepped_up_client.get(URL).content.decode()


def test_a_form_sent_without_any_session_is_not_kept(customer):
    """Nothing says whose text it is: it is not kept for whoever logs in."""
    client = Client()
    client.post(URL, {"details": NOTE})
    _log_in(client, customer)
    assert "portal_kept_form" not in client.session


def test_the_japanese_customer_is_told_in_japanese_that_the_text_is_kept(stepped_up_client):
    stepped_up_client.cookies["django_language"] = "ja"
    _idle_for_a_day(stepped_up_client)
    response = stepped_up_client.post(URL, {"details": NOTE})
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert "入力内容は保存しています。ログインしてご本人確認のうえ、" in shown[-1]
