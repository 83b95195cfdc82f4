"""The copy of the outcome to the person an agent said they acted for does not call the
agent one the person appointed when that was never confirmed: when the person told us
they did not appoint them (CCPA §7063, the person's direct confirmation), or staff could
not confirm the authority (APPI art. 37; GDPR art. 12(6)). Telling someone who just
refused an agent that the agent is "the agent you appointed" contradicts their answer."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from rights.choices import RejectionGround, Status
from rights.models import RightsRequest
from rights.requesters.agents import agent_confirmation_answer, agent_confirmation_request
from rights.requesters.verification import (
    identity_match_subject,
    identity_reject,
    identity_verify,
)
from rights.workflow import transition
from tests.factories import ProfileFactory

from .identity_support import AGENT, file_public_request

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

PERSON = "hanako@example.com"
APPOINTED = {"en": "as the agent you appointed", "ja": "お客様が選任した代理人"}
DENIED = {
    "en": "saying you had appointed them as your agent. You told us you had not",
    "ja": "選任していないとのご回答",
}
UNCONFIRMED = {
    "en": "saying you had appointed them as your agent; we could not confirm it",
    "ja": "確認できませんでした",
}


def _matched(capture, officer, language) -> RightsRequest:
    person = ProfileFactory(user__email=PERSON, full_name="山田 花子", user__language=language).user
    response = file_public_request(
        Client(HTTP_ACCEPT_LANGUAGE="en"), AGENT, capture, subject_language=language
    )
    assert response.status_code == 302, response.content
    request = RightsRequest.objects.get()
    identity_match_subject(request=request, subject=person, actor=officer)
    mail.outbox.clear()
    return request


def _copy(capture, decide) -> str:
    with capture(execute=True):
        decide()
    (message,) = [m for m in mail.outbox if m.to == [PERSON]]
    return message.body


@pytest.mark.parametrize("language", ["en", "ja"])
def test_ccpa_7063_the_person_who_refused_the_agent_is_not_told_they_appointed_them(
    django_capture_on_commit_callbacks, officer, language
):
    request = _matched(django_capture_on_commit_callbacks, officer, language)
    with django_capture_on_commit_callbacks(execute=True):
        identity = agent_confirmation_request(request=request, actor=officer)
    agent_confirmation_answer(identity=identity, confirmed=False)
    mail.outbox.clear()

    body = _copy(
        django_capture_on_commit_callbacks,
        lambda: identity_reject(request=request, actor=officer, note="Not appointed."),
    )
    assert DENIED[language] in body
    assert APPOINTED[language] not in body


@pytest.mark.parametrize("language", ["en", "ja"])
def test_appi_art_37_an_agent_whose_authority_was_not_confirmed_is_not_called_appointed(
    django_capture_on_commit_callbacks, officer, language
):
    request = _matched(django_capture_on_commit_callbacks, officer, language)
    body = _copy(
        django_capture_on_commit_callbacks,
        lambda: identity_reject(request=request, actor=officer, note="No signature."),
    )
    assert UNCONFIRMED[language] in body
    assert APPOINTED[language] not in body


def test_a_confirmed_agent_is_still_the_agent_the_person_appointed(
    django_capture_on_commit_callbacks, officer
):
    request = _matched(django_capture_on_commit_callbacks, officer, "en")
    identity_verify(request=request, actor=officer, note="Letter of attorney checked.")
    request.refresh_from_db()
    mail.outbox.clear()
    body = _copy(
        django_capture_on_commit_callbacks,
        lambda: transition(
            request,
            to=Status.REJECTED,
            actor=officer,
            reason="We hold no such data.",
            ground=RejectionGround.OTHER,
        ),
    )
    assert APPOINTED["en"] in body
