"""The public request form (no account): what it refuses and how it says so."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from rights.models import RightsRequest

from .identity_support import agent_form, confirm_email

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

EMAIL = "asker@example.com"


def _summary(response) -> list[str]:
    """The lines of the error summary at the top of the page, as read."""
    text = response.content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', text, re.S).group(0)
    items = re.findall(r"<li>(.*?)</li>", summary, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def _send(language, capture, **overrides):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    confirm_email(client, EMAIL, capture, language=language)
    with capture(execute=True):
        return client.post("/requests/start/request/", agent_form(**overrides))


def test_the_japanese_error_summary_joins_label_and_message_with_a_full_width_colon(
    django_capture_on_commit_callbacks,
):
    response = _send(
        "ja",
        django_capture_on_commit_callbacks,
        requester_name="",
        kind="deletion",
        documents_consent=None,
    )
    assert response.status_code == 200
    lines = _summary(response)
    assert "あなたの氏名：あなたの氏名をご記入ください。" in lines, lines
    deletion = next(line for line in lines if line.startswith("すべて"))
    assert deletion.count("：") == 2 and ": " not in deletion  # the label's own colon, then one
    consent = next(line for line in lines if line.startswith("書類が"))
    assert "。：" not in consent and "このフィールドは必須です" not in consent
    assert "同意がなければ" in consent
    assert not any(": " in line for line in lines), lines
    assert not RightsRequest.objects.exists()


def test_the_english_consent_error_says_what_to_do_without_a_doubled_stop(
    django_capture_on_commit_callbacks,
):
    response = _send("en", django_capture_on_commit_callbacks, documents_consent=None)
    lines = _summary(response)
    (consent,) = [line for line in lines if line.startswith("I agree")]
    assert "decision: Tick the box to agree" in consent
    assert ".:" not in consent and "This field is required" not in consent
