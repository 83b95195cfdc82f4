"""The person asked to confirm an agent is told the day the request was received in
the request's own zone, and which zone that is, on the page and in the e-mail: a
request counts its days where its requester is, not where the reader happens to be,
and a day without its zone may be the day before or after."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client

from rights.models import RightsRequest
from rights.requesters.agents import agent_confirmation_request, confirmation_token
from rights.requesters.verification import identity_match_subject
from tests.factories import ProfileFactory

from .identity_support import AGENT, file_public_request

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

# 00:33 UTC on 6 December: still 5 December in Los Angeles, 6 December in Tokyo.
RECEIVED = dt.datetime(2026, 12, 6, 0, 33, tzinfo=dt.UTC)

RECEIVED_ON = {
    "en": "on 5 Dec 2026 PST,",
    "ja": "2026年12月5日（太平洋標準時）",
}


def _asked(officer, capture, language):
    person = ProfileFactory(
        user__email="hanako@example.com", user__language=language, full_name="山田 花子"
    ).user
    assert file_public_request(Client(HTTP_ACCEPT_LANGUAGE="en"), AGENT, capture).status_code
    RightsRequest.objects.update(received_at=RECEIVED, time_zone="America/Los_Angeles")
    request = RightsRequest.objects.get()
    mail.outbox.clear()
    with capture(execute=True):
        identity_match_subject(request=request, subject=person, actor=officer)
        identity = agent_confirmation_request(request=request, actor=officer)
    return f"/requests/confirm-agent/{confirmation_token(identity)}/"


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_confirmation_page_names_the_zone_of_the_day_the_request_was_received(
    officer, django_capture_on_commit_callbacks, language
):
    path = _asked(officer, django_capture_on_commit_callbacks, language)
    page = Client(HTTP_ACCEPT_LANGUAGE=language).get(path)
    assert page.status_code == 200
    card = re.sub(r"\s+", " ", page.content.decode().split('class="card"', 1)[1])
    assert RECEIVED_ON[language] in card


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_confirmation_email_names_the_zone_of_the_day_the_request_was_received(
    officer, django_capture_on_commit_callbacks, language
):
    _asked(officer, django_capture_on_commit_callbacks, language)
    (message,) = [m for m in mail.outbox if m.to == ["hanako@example.com"]]
    body = re.sub(r"\s+", " ", message.body)
    assert RECEIVED_ON[language] in body


@pytest.mark.parametrize(
    ("language", "zone", "other"), [("en", "PST", "JST"), ("ja", "太平洋標準時", "日本時間")]
)
def test_the_confirmation_email_gives_the_links_last_moment_in_the_same_zone(
    officer, django_capture_on_commit_callbacks, language, zone, other
):
    """The mail gave the day received in the request's zone and, two lines on, the
    link's last moment in the portal's: two zones in one mail to someone who must act."""
    _asked(officer, django_capture_on_commit_callbacks, language)
    (message,) = [m for m in mail.outbox if m.to == ["hanako@example.com"]]
    body = re.sub(r"\s+", " ", message.body)
    assert body.count(zone) == 2, body
    assert other not in body


def test_the_japanese_confirmation_email_joins_each_moment_to_its_sentence(
    officer, django_capture_on_commit_callbacks
):
    """The day received and the link's last moment sit in their Japanese sentences as
    「（太平洋標準時）にご請求」 and 「（太平洋標準時）までの1回限り」, no space left over."""
    _asked(officer, django_capture_on_commit_callbacks, "ja")
    (message,) = [m for m in mail.outbox if m.to == ["hanako@example.com"]]
    assert "2026年12月5日（太平洋標準時）にご請求" in message.body, message.body
    assert "回答できるのは2026年12月" in message.body, message.body
    assert "（太平洋標準時）までの1回限りです" in message.body, message.body
