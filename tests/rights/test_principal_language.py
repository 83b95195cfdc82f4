"""The person an appointed agent acts for is written to in the language they read, which
the agent gives on the public form, not in the agent's: a Japanese person represented by
an English-speaking agent is told in Japanese that a request was made in their name and
how it ended (APPI art. 37; CCPA §7063; GDPR art. 12(1): clear and plain language, to the
person). Once the request is matched to a customer, the customer's own language decides."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from rights.models import RightsRequest
from rights.requesters.verification import identity_match_subject, identity_reject
from tests.factories import ProfileFactory

from .identity_support import AGENT, agent_form, confirm_email

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

PERSON = "hanako@example.com"
# The first words of the copy to the person, in each language (``_principal_intro``), of
# a request refused before the agent's authority was confirmed.
COPY_OPENS = {
    "ja": "ご請求 {reference} は、弁護士 佐藤 一郎 様がお客様から代理人に選任されたとして",
    "en": "弁護士 佐藤 一郎 made request {reference} in your name, saying you had appointed them",
}
PAGE_LABEL = {"ja": "ご本人への連絡に使う言語", "en": "Language to write to the person in"}


def _file(agent_language: str, capture, **overrides) -> RightsRequest:
    client = Client(HTTP_ACCEPT_LANGUAGE=agent_language)
    confirm_email(client, AGENT, capture, language=agent_language)
    page = client.get("/requests/start/request/").content.decode()
    assert PAGE_LABEL[agent_language] in page
    # The form's own language is chosen until the agent says otherwise.
    radio = r'<input type="radio" name="subject_language" value="(\w+)"[^>]* checked'
    checked = re.findall(radio, page)
    assert checked == [agent_language]
    with capture(execute=True):
        response = client.post("/requests/start/request/", agent_form(**overrides))
    assert response.status_code == 302, response.content
    return RightsRequest.objects.get()


def _copy_to_person(request: RightsRequest):
    (message,) = [m for m in mail.outbox if m.to == [PERSON]]
    return message


@pytest.mark.parametrize(("agent_language", "person_language"), [("en", "ja"), ("ja", "en")])
def test_the_person_is_written_to_in_the_language_the_agent_gave_for_them(
    agent_language, person_language, officer, django_capture_on_commit_callbacks
):
    request = _file(
        agent_language, django_capture_on_commit_callbacks, subject_language=person_language
    )
    assert request.identity.subject_language == person_language
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        identity_reject(request=request, actor=officer, note="No signature.")
    message = _copy_to_person(request)
    assert COPY_OPENS[person_language].format(reference=request.reference) in message.body
    # The agent still reads their own language.
    (to_agent,) = [m for m in mail.outbox if m.to == [AGENT]]
    assert to_agent.subject != message.subject


def test_without_a_choice_the_person_is_written_to_in_the_forms_language(
    officer, django_capture_on_commit_callbacks
):
    request = _file("ja", django_capture_on_commit_callbacks)
    assert request.identity.subject_language == "ja"


def test_a_matched_customers_own_language_takes_over(officer, django_capture_on_commit_callbacks):
    customer = ProfileFactory(user__email=PERSON, user__language="en", full_name="山田 花子").user
    request = _file("en", django_capture_on_commit_callbacks, subject_language="ja")
    identity_match_subject(request=request, subject=customer, actor=officer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        identity_reject(request=request, actor=officer, note="No signature.")
    message = _copy_to_person(request)
    assert COPY_OPENS["en"].format(reference=request.reference) in message.body


def test_the_working_page_shows_the_persons_language_before_the_match(
    officer, officer_client, django_capture_on_commit_callbacks
):
    request = _file("en", django_capture_on_commit_callbacks, subject_language="ja")
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    assert f"Japanese: {PERSON}" in page.content.decode()
