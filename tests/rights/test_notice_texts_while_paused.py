"""A notice sent while the request waits for the person never quotes a date the wait will
move. Under APPI and the GDPR the deadline is paused while the request waits for an
identity check, the fee or the information asked (GDPR art. 12(3); APPI art. 33(3) "without
delay" counts from what the company needs); the CCPA's clock runs on (§7021(b)).

Notices only ever sent when a wait starts refuse {due_date} in the admin editor."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from rights.models import NoticeText
from rights.notice_overrides import notice_text_save

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "why"),
    [
        ("verification_needed", "until identity is confirmed"),
        ("information_needed", "until they answer"),
        ("fee_due", "until it is paid"),
    ],
)
def test_gdpr_12_3_a_notice_sent_when_a_wait_starts_refuses_the_due_date(officer, kind, why):
    """GDPR art. 12(3), APPI art. 33(3): these notices go out as the clock stops."""
    translation.activate("en")
    for subject, body in (("About {reference}", "Answer by {due_date}."), ("By {due_date}", "b")):
        with pytest.raises(ValidationError, match=why) as refused:
            notice_text_save(kind=kind, language="en", subject=subject, body=body, author=officer)
        assert "remove {due_date}" in refused.value.messages[0]
    assert not NoticeText.objects.exists()
    with (
        translation.override("ja"),
        pytest.raises(ValidationError, match="{due_date} を削除してください"),
    ):
        notice_text_save(
            kind=kind, language="ja", subject="件名", body="{due_date}", author=officer
        )


def test_the_admin_editor_says_why_in_both_languages(officer_client):
    for language, wording in (
        ("en", "under APPI and the GDPR the deadline is paused until it is paid"),
        ("ja", "手数料のお支払いを待ち始めるときに送られます"),
    ):
        officer_client.cookies["django_language"] = language
        response = officer_client.post(
            "/admin/rights/noticetext/add/",
            {"kind": "fee_due", "language": "en", "subject": "Fee", "body": "By {due_date}"},
        )
        assert response.status_code == 200
        assert wording in response.content.decode()
    assert not NoticeText.objects.exists()
