"""The agent's name on the public form is written into the e-mails the person they act
for receives from us (the request to confirm the agent, the copies of the outcome): it
may hold only a name, not a web or e-mail address that our e-mail would carry to them."""

from __future__ import annotations

import pytest
from django.test import Client

from rights.models import RightsRequest

from .identity_support import agent_form, confirm_email

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]


def _send(capture, language="en", **overrides):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    confirm_email(client, "asker@example.com", capture, language=language)
    with capture(execute=True):
        return client.post("/requests/start/request/", agent_form(**overrides))


@pytest.mark.parametrize(
    "name",
    [
        "Sato. Your account is locked: log in at http://evil.example/login",
        "Sato, see https://evil.example",
        "Sato www.evil.example",
        "Sato (write to help@evil.example)",
        "佐藤 ｈｔｔｐｓ：／／ｅｖｉｌ．ｅｘａｍｐｌｅ",
    ],
)
def test_an_agent_name_with_a_web_or_e_mail_address_is_refused(
    django_capture_on_commit_callbacks, name
):
    response = _send(django_capture_on_commit_callbacks, requester_name=name)
    assert response.status_code == 200
    assert "a name cannot contain a web or e-mail address" in response.content.decode()
    assert not RightsRequest.objects.exists()
    # The page keeps what was typed, to be corrected.
    assert "Sato" in response.content.decode() or "佐藤" in response.content.decode()


def test_the_refusal_reads_in_japanese(django_capture_on_commit_callbacks):
    response = _send(
        django_capture_on_commit_callbacks, language="ja", requester_name="佐藤 http://evil.example"
    )
    assert "お名前にウェブアドレスやメールアドレスを含めることはできません" in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    "name", ["弁護士 佐藤 一郎", "Dr. J. O'Neil-Smith", "Smith & Co. Law Office"]
)
def test_ordinary_names_are_taken(django_capture_on_commit_callbacks, name):
    response = _send(django_capture_on_commit_callbacks, requester_name=name)
    assert response.status_code == 302, response.content
    assert RightsRequest.objects.get().identity.requester_name == name
