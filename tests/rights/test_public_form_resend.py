"""The public form sent a second time, or after the address confirmation ran out: the
visitor is told what happened and keeps what they typed (APPI art. 37: the procedure
must not burden the person excessively; CCPA §7060(c)(3) likewise)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from rights.models import RightsRequest
from tests.conftest import last_code

from .identity_support import agent_form, confirm_email

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

EMAIL = "asker@example.com"
FORM = "/requests/start/request/"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_form_sent_twice_shows_the_receipt_of_the_request_already_filed(
    django_capture_on_commit_callbacks,
):
    """A double click, or Back and send again: one request, and the visitor sees it was
    received instead of being asked to confirm their address as if nothing was sent."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    confirm_email(client, EMAIL, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(FORM, agent_form())
    assert first.status_code == 302 and first.url == "/requests/start/done/"

    again = client.post(FORM, agent_form())

    assert RightsRequest.objects.count() == 1
    assert again.status_code == 302 and again.url == "/requests/start/done/"
    reference = RightsRequest.objects.get().reference
    assert _messages(again) == [
        f"This request was already sent: it is {reference}. To send another request, "
        "confirm your e-mail address again."
    ]


def test_a_second_request_after_one_was_filed_still_starts_with_the_address():
    """Opening the form again (not sending it) after a filing still asks for a new code."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    session = client.session
    session["rights_public_request"] = {"filed": 12345}
    session.save()

    response = client.get(FORM)

    assert response.status_code == 302 and response.url == "/requests/start/"


def test_back_to_the_form_after_filing_names_the_request_already_sent(
    django_capture_on_commit_callbacks,
):
    """Back from the receipt reloads the form: the visitor, who did confirm their
    address, is told the request went in and under which number, not asked to confirm
    their address "first" as if they never had (APPI art. 37)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    confirm_email(client, EMAIL, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(FORM, agent_form())
    reference = RightsRequest.objects.get().reference

    back = client.get(FORM)

    assert back.status_code == 302 and back.url == "/requests/start/"
    assert _messages(back) == [
        f"This request was already sent: it is {reference}. To send another request, "
        "confirm your e-mail address again."
    ]


def test_a_form_sent_after_the_confirmation_expired_comes_back_with_what_was_typed(
    django_capture_on_commit_callbacks,
):
    """Finding a koseki extract to scan can take more than the hour the confirmation
    lasts: the form comes back filled in, says why, and files once the address is
    confirmed again (in another tab), instead of sending the visitor to the start with
    everything lost."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    confirm_email(client, EMAIL, django_capture_on_commit_callbacks)

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        late = client.post(FORM, agent_form(details="Everything since 2019, please."))

        assert RightsRequest.objects.count() == 0
        assert late.status_code == 200
        page = late.content.decode()
        assert "Everything since 2019, please." in page
        assert "弁護士 佐藤 一郎" in page
        assert "The confirmation of your e-mail address ran out after 60 minutes" in page
        assert 'href="/requests/start/"' in page
        assert "Please confirm your e-mail address first." not in _messages(late)

        # Confirmed again in another tab of the same browser, then sent from this one.
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/requests/start/", {"email": EMAIL})
        client.post("/requests/start/code/", {"code": last_code()})
        with django_capture_on_commit_callbacks(execute=True):
            sent = client.post(FORM, agent_form(details="Everything since 2019, please."))

    assert sent.status_code == 302 and sent.url == "/requests/start/done/"
    assert RightsRequest.objects.count() == 1


def test_opening_the_form_after_the_confirmation_expired_says_it_ran_out(
    django_capture_on_commit_callbacks,
):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    confirm_email(client, EMAIL, django_capture_on_commit_callbacks)

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        response = client.get(FORM)

    assert response.status_code == 302 and response.url == "/requests/start/"
    assert _messages(response) == [
        "The confirmation of your e-mail address ran out after 60 minutes: please confirm it again."
    ]


def test_the_japanese_visitor_is_told_in_japanese_that_the_confirmation_ran_out(
    django_capture_on_commit_callbacks,
):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    confirm_email(client, EMAIL, django_capture_on_commit_callbacks, language="ja")

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        late = client.post(FORM, agent_form(details="2019年以降のすべて"))

    page = late.content.decode()
    assert "メールアドレスの確認の有効時間（60分）が過ぎたため" in page
    assert "新しいタブで開きます" in page
    assert "2019年以降のすべて" in page


def test_a_form_refused_for_too_many_attempts_keeps_what_was_typed(
    settings, django_capture_on_commit_callbacks
):
    """A parent correcting the form from a shared connection may meet the limit of
    attempts: the page says how long to wait and keeps the text typed, rather than
    an error page that keeps nothing (APPI art. 37: no excessive burden)."""
    settings.RIGHTS_PUBLIC_RATE_FORM_IP = "1/h"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    confirm_email(client, EMAIL, django_capture_on_commit_callbacks)
    client.post(FORM, agent_form(documents_consent=None))

    refused = client.post(FORM, agent_form(details="Everything since 2019, please."))

    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    page = refused.content.decode()
    assert "Everything since 2019, please." in page
    assert "Please wait 60 minutes, then send the form again" in page
    assert RightsRequest.objects.count() == 0
