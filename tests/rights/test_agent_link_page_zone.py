"""The confirmation link's page gives its times in the request's zone, as the e-mail
with the link does (docs/legal.md "Time zones": the person reads every time of their
request in its zone). A GDPR request's mail said the link ran until a moment in CET
while the page reached after it (answered, or expired) said JST, the portal's zone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client

from rights.requesters.models import RequestIdentity

from .identity_support import agent_to_confirm

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

ZONE = {"en": ("CET", "JST"), "ja": ("欧州中部時間", "日本時間")}


def _asked(officer, capture, language):
    mail.outbox.clear()
    _request, path = agent_to_confirm(
        officer, capture, language=language, regime="gdpr", time_zone="Europe/Berlin"
    )
    return path


def _text(content) -> str:
    return re.sub(r"\s+", " ", content if isinstance(content, str) else content.decode())


@pytest.mark.parametrize("language", ["en", "ja"])
def test_gdpr_art_12_the_expired_link_page_and_the_email_share_the_requests_zone(
    officer, django_capture_on_commit_callbacks, language
):
    path = _asked(officer, django_capture_on_commit_callbacks, language)
    (message,) = [m for m in mail.outbox if m.to == ["hanako@example.com"]]
    zone, other = ZONE[language]
    assert zone in _text(message.body) and other not in _text(message.body)
    RequestIdentity.objects.update(
        confirmation_requested_at=dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    )
    page = Client(HTTP_ACCEPT_LANGUAGE=language).get(path)
    assert page.status_code == 410
    text = _text(page.content).split("<main", 1)[-1]
    assert zone in text, text
    assert other not in text


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("answer", ["yes", "no"])
def test_gdpr_art_12_the_used_link_page_gives_the_answer_in_the_requests_zone(
    officer, django_capture_on_commit_callbacks, language, answer
):
    path = _asked(officer, django_capture_on_commit_callbacks, language)
    person = Client(HTTP_ACCEPT_LANGUAGE=language)
    with django_capture_on_commit_callbacks(execute=True):
        person.post(path, {"answer": answer})
    page = person.get(path)
    assert page.status_code == 410
    zone, other = ZONE[language]
    text = _text(page.content).split("<main", 1)[-1]
    assert zone in text, text
    assert other not in text
