"""The agent confirmation page names what happened, in its title as in its heading: once
the person has answered, the tab, the history and a screen reader's first words no longer
ask "Did you appoint an agent?" but say the outcome (WCAG 2.4.2)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

QUESTION = {"en": "Did you appoint an agent?", "ja": "代理人を選任されましたか"}
ANSWERED = {
    ("en", "yes"): "You confirmed the agent",
    ("en", "no"): "You did not appoint the agent",
    ("ja", "yes"): "代理人の選任のご確認を受け付けました",
    ("ja", "no"): "代理人を選任していないとのご回答を受け付けました",
}
USED = {"en": "This link was already used", "ja": "このリンクは使用済みです"}


def _title_and_heading(response) -> tuple[str, str]:
    text = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", text, re.S).group(1)
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S).group(1)
    return unescape(" ".join(title.split())), unescape(" ".join(heading.split()))


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("answer", ["yes", "no"])
def test_the_answered_page_names_the_outcome_in_its_title_and_heading(
    asked, django_capture_on_commit_callbacks, language, answer
):
    _request, path = asked
    person = Client(HTTP_ACCEPT_LANGUAGE=language)
    title, heading = _title_and_heading(person.get(path))
    assert QUESTION[language] in title and heading == QUESTION[language]

    with django_capture_on_commit_callbacks(execute=True):
        answered = person.post(path, {"answer": answer})
    assert answered.status_code == 200
    title, heading = _title_and_heading(answered)
    assert heading == ANSWERED[language, answer]
    assert title.startswith(ANSWERED[language, answer] + " | ")
    assert QUESTION[language] not in title

    title, heading = _title_and_heading(person.get(path))
    assert heading == USED[language] and title.startswith(USED[language] + " | ")
