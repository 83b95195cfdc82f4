"""A request's page says in its title which request it is and what it asks for, as its
heading does (WCAG 2.1 SC 2.4.2 Page titled): a reference number alone tells a
screen-reader user, or someone with several tabs open, nothing about the page."""

from __future__ import annotations

import re

import pytest

from rights.services import request_submit

pytestmark = pytest.mark.django_db


def _title(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)[1].strip()


@pytest.mark.parametrize(
    ("language", "kind", "expected"),
    [("ja", "disclosure", "開示"), ("en", "deletion", "Deletion")],
)
def test_the_request_page_title_names_the_request_and_its_kind(
    stepped_up_client, customer, language, kind, expected
):
    request = request_submit(subject=customer, requester=customer, kind=kind)

    title = _title(stepped_up_client.get(f"/requests/{request.pk}/", HTTP_ACCEPT_LANGUAGE=language))

    assert title.startswith(f"{request.reference} — {expected} | "), title


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_two_check_your_inbox_pages_have_titles_that_tell_them_apart(client, language):
    """Signing up and resetting a password both end on a page asking to look for a
    message: each title says what the message is for."""
    signup = _title(client.get("/accounts/signup/done/", HTTP_ACCEPT_LANGUAGE=language))
    reset = _title(client.get("/accounts/password/reset/done/", HTTP_ACCEPT_LANGUAGE=language))

    expected = {
        "en": ("finish signing up", "choose a new password"),
        "ja": ("登録", "パスワード"),
    }[language]
    assert expected[0] in signup, signup
    assert expected[1] in reset, reset
    assert signup.split(" | ")[0] != reset.split(" | ")[0]
