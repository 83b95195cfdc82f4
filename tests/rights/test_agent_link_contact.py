"""The person asked to confirm an agent is told how to reach the privacy office on every
page the link can open, not only when it expired: an answer given by mistake (say, a
"yes" to an agent they never appointed) can only be put right by contacting it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from rights.requesters.verification import identity_reject

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]


def _reaches_the_office(text: str) -> bool:
    return settings.PRIVACY_OFFICE_EMAIL in text and settings.PRIVACY_OFFICE_PHONE in text


@pytest.mark.parametrize("answer", ["yes", "no"])
def test_ccpa_7063_a_used_link_says_how_to_reach_the_privacy_office(
    asked, django_capture_on_commit_callbacks, answer
):
    request, path = asked
    person = Client(HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        person.post(path, {"answer": answer})
    used = person.get(path)
    assert used.status_code == 410
    text = used.content.decode()
    assert "If your answer was a mistake" in text
    assert _reaches_the_office(text) and request.reference in text


def test_a_link_of_a_decided_request_says_how_to_reach_the_privacy_office(
    asked, officer, django_capture_on_commit_callbacks
):
    request, path = asked
    with django_capture_on_commit_callbacks(execute=True):
        identity_reject(request=request, actor=officer, note="The letter is unsigned.")
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(path)
    assert page.status_code == 410
    assert _reaches_the_office(page.content.decode())


@pytest.mark.parametrize("answer", ["yes", "no"])
def test_a_used_link_in_japanese_joins_the_moment_of_the_answer_to_its_sentence(
    asked, django_capture_on_commit_callbacks, answer
):
    """Reloaded after answering, the page says when the answer came as Japanese writes
    it: 「…（日本時間）に、ご請求…」, with no space before 「に」."""
    import re

    request, path = asked
    person = Client(HTTP_ACCEPT_LANGUAGE="ja")
    with django_capture_on_commit_callbacks(execute=True):
        person.post(path, {"answer": answer})
    text = re.sub(r"\s+", " ", person.get(path).content.decode())
    assert "このリンクは使用済みです。" in text
    assert "）に、ご請求" in text and " に、ご請求" not in text
