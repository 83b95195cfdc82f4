"""The public form's code step puts the focus in the code box once the code is sent, as
the customer's own code step does; after a wrong code the error summary takes it
(templates/includes/form_errors.html) and the box does not compete for it."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import last_code

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]


def _code_box(page: str) -> str:
    return re.search(r'<input[^>]*name="code"[^>]*>', page)[0]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_code_box_has_the_focus_once_the_code_is_sent(
    django_capture_on_commit_callbacks, language
):
    visitor = Client(HTTP_ACCEPT_LANGUAGE=language)
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post("/requests/start/", {"email": "asker@example.com"}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0].startswith("/requests/start/code/")
    assert "autofocus" in _code_box(page)
    assert 'id="error-summary"' not in page


def test_after_a_wrong_code_the_error_summary_has_the_focus(django_capture_on_commit_callbacks):
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post("/requests/start/", {"email": "asker@example.com"})
    wrong = f"{(int(last_code()) + 1) % 10**6:06d}"
    page = visitor.post("/requests/start/code/", {"code": wrong}).content.decode()
    summary = re.search(r'<div class="error-summary"[^>]*>', page)[0]
    assert "autofocus" in summary
    assert "autofocus" not in _code_box(page)
