"""Notice texts the privacy office edits in the admin: versioned per notice and language,
previewed, published, reset to the shipped text; the shipped template otherwise
(APPI art. 32-35 notices to the person; GDPR art. 12(1): clear and plain language)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.kernel.models import AuditEvent
from rights.models import NoticeText, RequestNotification
from rights.notice_overrides import (
    current_text,
    notice_text_publish,
    notice_text_reset,
    notice_text_save,
    shipped_text,
)
from rights.notice_text import render_notice
from rights.services import request_submit
from tests.formats_support import shown_date

from .conftest import make_staff

pytestmark = pytest.mark.django_db

BODY = "Thank you. We received {reference} ({kind}) and answer by {due_date}."


@pytest.fixture
def received(customer):
    filed = request_submit(subject=customer, requester=customer, kind="disclosure")
    return RequestNotification.objects.get(request=filed, kind="received")


def _publish(officer, language="en", body=BODY, subject="Got it: {reference}"):
    draft = notice_text_save(
        kind="received", language=language, subject=subject, body=body, author=officer
    )
    return notice_text_publish(text=draft, actor=officer)


def test_the_shipped_text_is_the_starting_point_with_placeholders():
    subject, body = shipped_text("received", "en")
    assert subject == "We received your request {reference}"
    assert body.startswith("We received your request {reference} ({kind}).")
    assert "{due_date}" in body
    ja_subject, _body = shipped_text("rejected", "ja")
    assert "{reference}" in ja_subject
    assert "{complaint_rights}" in shipped_text("rejected", "en")[1]


def test_a_draft_is_not_sent_a_published_text_is(received, officer):
    shipped = render_notice(received, language="en")
    draft = notice_text_save(
        kind="received", language="en", subject="Got it: {reference}", body=BODY, author=officer
    )
    assert render_notice(received, language="en") == shipped
    notice_text_publish(text=draft, actor=officer)
    subject, body = render_notice(received, language="en")
    ref = received.request.reference
    assert subject == f"Got it: {ref}"
    due = shown_date(received.request.due_at, "en")
    assert body.startswith(f"Thank you. We received {ref} (Disclosure) and answer by {due} JST.")
    assert AuditEvent.objects.filter(action="notice.text_published").count() == 1
    # Japanese recipients still get the shipped Japanese text.
    assert render_notice(received, language="ja")[0] != subject


def test_a_recipient_without_an_account_gets_the_follow_link_after_the_text(received, officer):
    _publish(officer)
    _subject, body = render_notice(
        received, language="en", has_account=False, follow_url="https://portal.example/f/x/"
    )
    assert body.endswith("https://portal.example/f/x/")
    assert "Follow the request here" in body


def test_an_unknown_placeholder_is_refused_and_nothing_is_written(officer):
    with pytest.raises(ValidationError, match=r"\{customer_address\}"):
        notice_text_save(
            kind="received",
            language="en",
            subject="x",
            body="{customer_address}",
            author=officer,
        )
    assert not NoticeText.objects.exists()


def test_versions_count_up_and_a_reset_puts_the_shipped_text_back(received, officer):
    shipped = render_notice(received, language="en")
    first = _publish(officer)
    second = _publish(officer, body="Second wording for {reference}.")
    assert (first.version, second.version) == (1, 2)
    assert current_text("received", "en") == second
    reset = notice_text_reset(kind="received", language="en", actor=officer)
    assert reset.version == 3 and reset.reset
    assert current_text("received", "en") is None
    assert render_notice(received, language="en") == shipped
    assert AuditEvent.objects.filter(action="notice.text_reset").count() == 1


def test_staff_write_preview_and_publish_in_the_admin(received, officer, officer_client):
    add = "/admin/rights/noticetext/add/"
    page = officer_client.get(add, {"kind": "received", "language": "en"}).content.decode()
    assert "We received your request {reference}" in page  # the shipped text to start from
    bad = officer_client.post(
        add, {"kind": "received", "language": "en", "subject": "x", "body": "{nope}"}
    )
    assert bad.status_code == 200 and not NoticeText.objects.exists()
    response = officer_client.post(
        add, {"kind": "received", "language": "en", "subject": "Got it: {reference}", "body": BODY}
    )
    draft = NoticeText.objects.get()
    assert response["Location"] == f"/admin/rights/noticetext/{draft.pk}/change/"
    with translation.override("en"):
        view = officer_client.get(response["Location"]).content.decode()
    assert "Got it: R-000123" in view  # the preview, with sample values
    assert render_notice(received, language="en")[0] != "Got it: R-000123"
    officer_client.post(f"/admin/rights/noticetext/{draft.pk}/publish/")
    assert current_text("received", "en") == draft
    officer_client.post(f"/admin/rights/noticetext/{draft.pk}/reset/")
    assert current_text("received", "en") is None


def test_a_handler_reads_notice_texts_but_does_not_publish(officer, client):
    draft = notice_text_save(kind="received", language="en", subject="s", body="b", author=officer)
    handler = make_staff("service handler")
    client.force_login(handler)
    device = TOTPDevice.objects.create(user=handler, name="staff", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert client.post(f"/admin/rights/noticetext/{draft.pk}/publish/").status_code == 403
    assert current_text("received", "en") is None


@pytest.mark.parametrize(
    ("language", "greeting", "sign_off", "edited"),
    [
        ("en", "Hello,", "Rights Portal", "The text edited here"),
        ("ja", "ご利用いただき", "プライバシーポータル", "ここで編集する文面"),
    ],
)
def test_the_preview_reads_as_the_mail_with_the_edited_part_marked(
    officer, officer_client, language, greeting, sign_off, edited
):
    """Customers get the text between the portal's greeting and sign-off
    (:func:`rights.notice_text.notice_mail`): the preview shows the mail so, and says
    which part is the one edited here."""
    draft = notice_text_save(
        kind="received", language=language, subject="s", body=BODY, author=officer
    )
    officer_client.cookies["django_language"] = language
    page = officer_client.get(f"/admin/rights/noticetext/{draft.pk}/change/").content.decode()
    preview = page[page.index('id="rr-preview-mail"') :]
    body = preview.index('id="rr-preview-body"')
    assert greeting in preview[:body]
    assert edited in preview[:body]
    assert "We received R-000123" in preview[body:]
    assert sign_off in preview[preview.index("We received R-000123") :]
