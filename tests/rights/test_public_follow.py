"""A request filed without an account, followed through the signed link in its notices."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from rights.choices import Status
from rights.models import RequestMessage, RightsRequest
from rights.requesters.follow import request_for_follow_token
from rights.requesters.follow_links import follow_token
from rights.requesters.verification import identity_verify
from rights.workflow import transition
from tests.conftest import last_code
from tests.formats_support import shown_date

from .identity_support import AGENT, confirm, file_public_request, link_in, notice_to, pdf

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

QUESTION = "Which of your client's e-mail addresses should we search?"


@pytest.fixture
def message_storage(monkeypatch, tmp_path):
    """Attachments of the thread go to a temporary directory."""
    from django.core.files.storage import FileSystemStorage

    field = RequestMessage._meta.get_field("attachment")
    location = tmp_path / "messages"
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=str(location)))
    return location


@pytest.fixture
def visitor():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def filed(visitor, django_capture_on_commit_callbacks):
    """An appointed agent's request; the agent has no account."""
    response = file_public_request(visitor, AGENT, django_capture_on_commit_callbacks)
    assert response.status_code == 302, response.content
    return RightsRequest.objects.get()


@pytest.fixture
def waiting(filed, officer, django_capture_on_commit_callbacks):
    """The request verified, then waiting for information from the agent."""
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        identity_verify(request=filed, actor=officer, no_customer=True)
        transition(filed, to=Status.AWAITING_CUSTOMER, actor=officer, reason=QUESTION)
    filed.refresh_from_db()
    return filed


def _is_follow_link(url: str, request, email: str) -> bool:
    """``url`` is the follow link of ``request`` for ``email``. Compared by what it
    stands for: a token signed in another second carries another timestamp."""
    token = url.removeprefix("/requests/follow/").removesuffix("/")
    found = request_for_follow_token(token)
    if url != f"/requests/follow/{token}/" or found is None:
        return False
    return found[:2] == (request, email)


def test_every_notice_to_a_requester_without_an_account_links_to_the_follow_page(visitor, waiting):
    received = notice_to(AGENT, waiting.reference)
    asked = notice_to(AGENT, QUESTION)
    for message in (received, asked):
        assert "request's page" not in message.body
        assert _is_follow_link(link_in(message), waiting, AGENT)
    assert "Please answer on the page below." in asked.body
    # The link holds no address.
    assert "lawyers" not in link_in(asked)
    page = visitor.get(link_in(asked))
    assert page.status_code == 200
    assert waiting.reference in page.content.decode()


def test_the_wording_for_customers_with_an_account_is_unchanged(waiting):
    from rights.notice_text import render_notice

    notice = waiting.notifications.get(kind="information_needed")
    _subject, body = render_notice(notice, language="en")
    assert "Please answer on the request's page." in body
    assert "/requests/follow/" not in body


def test_without_the_code_the_page_shows_only_the_reference(visitor, waiting):
    page = visitor.get(link_in(notice_to(AGENT, QUESTION)))
    text = page.content.decode()
    assert page.status_code == 200
    assert waiting.reference in text
    assert QUESTION not in text
    assert "Disclosure" not in text
    assert waiting.get_status_display() not in text
    assert "Send me a code" in text
    assert page["Cache-Control"].startswith("max-age=0")
    # Writing before confirming stores nothing.
    visitor.post(link_in(notice_to(AGENT, QUESTION)), {"body": "Here it is."})
    assert not waiting.messages.exists()


def test_a_wrong_code_is_refused(visitor, waiting, django_capture_on_commit_callbacks):
    url = link_in(notice_to(AGENT, QUESTION))
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(url, {"send": "1"})
    real = last_code()
    wrong = f"{(int(real) + 1) % 10**6:06d}"
    page = visitor.post(url, {"code": wrong})
    assert page.status_code == 200
    assert "The code is not correct" in page.content.decode()
    assert QUESTION not in visitor.get(url).content.decode()


@pytest.mark.parametrize("how", ["other_request", "other_address", "tampered"])
def test_a_token_for_something_else_or_tampered_is_not_found(
    visitor, waiting, django_capture_on_commit_callbacks, how
):
    url = link_in(notice_to(AGENT, QUESTION))
    if how == "other_request":
        other = file_public_request(
            Client(HTTP_ACCEPT_LANGUAGE="en"),
            "someone@example.net",
            django_capture_on_commit_callbacks,
        )
        assert other.status_code == 302
        token = follow_token(RightsRequest.objects.exclude(pk=waiting.pk).get(), AGENT)
    elif how == "other_address":
        token = follow_token(waiting, "someone@example.net")
    else:
        token = url.rstrip("/").rsplit("/", 1)[1]
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert visitor.get(f"/requests/follow/{token}/").status_code == 404


def test_after_the_code_status_notices_and_thread_are_shown(
    visitor, waiting, django_capture_on_commit_callbacks
):
    url = link_in(notice_to(AGENT, QUESTION))
    response = confirm(visitor, url, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    text = visitor.get(url).content.decode()
    assert waiting.get_status_display() in text
    assert "paused until you answer our question" in text
    assert shown_date(waiting.received_at, "en") in text
    assert QUESTION.replace("'", "&#x27;") in text
    assert "Notices from us" in text
    assert "Send message" in text
    assert "Follow the request here" not in text  # the mails' link back to this page


def test_the_session_key_changes_when_the_code_is_accepted(
    visitor, waiting, django_capture_on_commit_callbacks
):
    url = link_in(notice_to(AGENT, QUESTION))
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(url, {"send": "1"})
    planted = visitor.session.session_key
    visitor.post(url, {"code": last_code()})
    assert visitor.session.session_key != planted
    # The old key carries nothing: a copy of the session made before the code sees no page.
    stranger = Client(HTTP_ACCEPT_LANGUAGE="en")
    stranger.cookies["sessionid"] = planted
    assert QUESTION not in stranger.get(url).content.decode()
    assert waiting.get_status_display() in visitor.get(url).content.decode()


def test_a_reply_resumes_the_request_and_reaches_the_admin_thread(
    visitor, waiting, officer_client, django_capture_on_commit_callbacks, message_storage
):
    url = link_in(notice_to(AGENT, QUESTION))
    confirm(visitor, url, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post(
            url,
            {"body": "taro@example.com <script>alert(1)</script>", "attachment": pdf("mail.pdf")},
        )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Status.IN_REVIEW
    assert waiting.pauses.filter(ended_at__isnull=True).count() == 0
    message = waiting.messages.get()
    assert message.author is None and not message.from_staff
    assert message.attachment_type == "application/pdf"
    assert (message_storage / message.attachment.name).exists()
    page = visitor.get(url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    admin_page = officer_client.get(f"/admin/rights/rightsrequest/{waiting.pk}/change/")
    text = admin_page.content.decode()
    assert "taro@example.com &lt;script&gt;" in text
    assert AGENT in text


def test_a_disguised_upload_is_refused_and_nothing_stored(
    visitor, waiting, django_capture_on_commit_callbacks, message_storage
):
    url = link_in(notice_to(AGENT, QUESTION))
    confirm(visitor, url, django_capture_on_commit_callbacks)
    disguised = SimpleUploadedFile("answer.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = visitor.post(url, {"body": "See the file.", "attachment": disguised})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not waiting.messages.exists()
    waiting.refresh_from_db()
    assert waiting.status == Status.AWAITING_CUSTOMER
    assert not message_storage.exists() or not any(message_storage.rglob("*.pdf"))


def test_an_empty_reply_gets_a_clear_error(visitor, waiting, django_capture_on_commit_callbacks):
    url = link_in(notice_to(AGENT, QUESTION))
    confirm(visitor, url, django_capture_on_commit_callbacks)
    response = visitor.post(url, {"body": "   "})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not waiting.messages.exists()


def test_the_reply_needs_the_csrf_token(waiting, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    url = link_in(notice_to(AGENT, QUESTION))
    assert client.post(url, {"send": "1"}).status_code == 403


def test_the_confirmation_expires(visitor, waiting, settings, django_capture_on_commit_callbacks):
    url = link_in(notice_to(AGENT, QUESTION))
    with time_machine.travel(timezone.now(), tick=False) as clock:
        confirm(visitor, url, django_capture_on_commit_callbacks)
        assert QUESTION.replace("'", "&#x27;") in visitor.get(url).content.decode()
        clock.shift(dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT + 1))
        text = visitor.get(url).content.decode()
    assert QUESTION.replace("'", "&#x27;") not in text
    assert "Send me a code" in text


def test_the_japanese_notice_points_to_the_follow_page(waiting):
    from rights.notice_text import follow_url, render_notice

    notice = waiting.notifications.get(kind="information_needed")
    link = follow_url(waiting, AGENT)
    _subject, body = render_notice(notice, language="ja", has_account=False, follow_url=link)
    assert "下記のページからご回答ください" in body
    assert body.rstrip().endswith(link)


def test_the_japanese_completion_notice_joins_the_count_and_date_without_spaces(answered):
    """The notice that the files are ready, read in Japanese by a requester without an
    account: the number of downloads and the last day sit in the sentence as Japanese
    writes them, "1回" and "…（日本時間）まで", with no spaces left from the English."""
    from rights.notice_text import render_notice

    notice = answered.notifications.get(kind="completed")
    _subject, body = render_notice(notice, language="ja", has_account=False)
    ready = next(line for line in body.splitlines() if "ファイルの準備ができました" in line)
    assert "1回" in ready and "）まで" in ready, ready
    assert " 回" not in ready and " まで" not in ready, ready


def test_the_person_an_agent_acted_for_sees_only_the_outcome(
    waiting, officer, django_capture_on_commit_callbacks
):
    from rights.choices import RejectionGround

    person = "hanako@example.com"
    with django_capture_on_commit_callbacks(execute=True):
        transition(waiting, to=Status.IN_REVIEW, actor=officer)
        transition(
            waiting,
            to=Status.REJECTED,
            actor=officer,
            reason="No such records.",
            ground=RejectionGround.values[0],
        )
    url = link_in(notice_to(person, "No such records."))
    assert _is_follow_link(url, waiting, person)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"send": "1"})
    assert mail.outbox[-1].to == [person]
    assert client.post(url, {"code": last_code()}).status_code == 302
    text = client.get(url).content.decode()
    assert "No such records." in text
    assert QUESTION.replace("'", "&#x27;") not in text
    assert "Send message" not in text
    client.post(url, {"body": "Not from me."})
    assert not waiting.messages.exists()


@pytest.fixture
def answered(filed, officer, django_capture_on_commit_callbacks):
    """The disclosure verified for the person found, then put in progress: the package is
    built and the request completed, with the notice to the agent."""
    from rights.requesters.verification import identity_match_subject
    from tests.factories import ProfileFactory

    person = ProfileFactory(full_name="山田 花子", user__email="hanako@example.com").user
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        identity_match_subject(request=filed, subject=person, actor=officer)
        identity_verify(request=filed, actor=officer)
        filed.refresh_from_db()
        transition(filed, to=Status.IN_PROGRESS, actor=officer)
    filed.refresh_from_db()
    assert filed.status == Status.COMPLETED
    return filed


def test_the_requester_downloads_the_answer_once_from_the_follow_page(
    visitor, answered, django_capture_on_commit_callbacks
):
    """APPI art. 33 for a requester without an account: the notice points to the follow
    page (not to a login), the file is downloaded there once, and the audit trail says so."""
    from portal.kernel.models import AuditEvent
    from tests.rights.disclosure_support import unzip

    notice = notice_to(AGENT, "Download them from the page below")
    assert "/downloads/" not in notice.body and "log in" not in notice.body
    url = link_in(notice)
    download = url + "download/"
    assert visitor.get(download).url == url  # not before the code
    confirm(visitor, url, django_capture_on_commit_callbacks)
    page = visitor.get(url).content.decode()
    assert f'href="{download}"' in page
    assert visitor.get(download).status_code == 200
    response = visitor.post(download)
    assert response.status_code == 200
    contents = unzip(b"".join(response.streaming_content))
    assert any(b"hanako@example.com" in body for body in contents.values())
    assert AuditEvent.objects.filter(action="disclosure.downloaded", actor=None).count() == 1
    again = visitor.post(download)
    assert again.status_code == 410
    assert "/requests/start/" in again.content.decode()


def test_the_used_link_reads_as_one_japanese_paragraph_on_the_follow_page(
    answered, django_capture_on_commit_callbacks
):
    """Once the file is downloaded, the follow page in Japanese says so and offers a new
    request and a new link with no space between the sentence and the link or button,
    as Japanese writes it (English keeps its space)."""
    import re

    url = link_in(notice_to(AGENT, "Download them from the page below"))
    for language, joined in (
        ("ja", ("なっています。新しく開示を請求する", "できます：新しいリンクを受け取る")),
        ("en", ("no longer works. File a new disclosure request", ": Get a new link")),
    ):
        reader = Client(HTTP_ACCEPT_LANGUAGE=language)
        confirm(reader, url, django_capture_on_commit_callbacks)
        if language == "ja":
            assert reader.post(url + "download/").status_code == 200
        page = reader.get(url).content.decode()
        box = page.split('class="card delivery-box"', 1)[1].split("</section>", 1)[0]
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", box))
        for words in joined:
            assert words in text, text


def test_the_session_holds_no_address_of_the_follower(
    visitor, waiting, django_capture_on_commit_callbacks
):
    """Issue 18: session data is stored signed, not encrypted; the follow page keeps a
    keyed digest of the confirmed address in it, never the address (GDPR 32(1)(a))."""
    url = link_in(notice_to(AGENT, QUESTION))
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(url, {"send": "1"})
    pending = Session.objects.get(session_key=visitor.session.session_key)
    assert AGENT not in str(pending.get_decoded()) and AGENT not in pending.session_data
    assert visitor.post(url, {"code": last_code()}).status_code == 302
    stored = Session.objects.get(session_key=visitor.session.session_key)
    assert AGENT not in str(stored.get_decoded()) and AGENT not in stored.session_data
    assert waiting.get_status_display() in visitor.get(url).content.decode()


def test_the_person_an_agent_acted_for_gets_a_copy_worded_for_them(answered):
    """APPI art. 37, CCPA §7063: the person is told that their agent made the request and
    received the answer; the agent's download, which the person cannot use, is not
    offered to them, nor a page to write on that a closed request no longer has."""
    copy = next(m for m in mail.outbox if m.to == ["hanako@example.com"])
    to_agent = notice_to(AGENT, "Download them from the page below")
    assert copy.body.split("\n\n", 1)[1].startswith(  # after the greeting
        f"ご請求 {answered.reference} は、お客様が選任した代理人 弁護士 佐藤 一郎 様が"
        "お客様の名前で行ったものです。"
    )
    assert "ダウンロード" not in copy.body and "/downloads/" not in copy.body
    assert "made request" not in to_agent.body  # the agent's own notice is unchanged


def test_a_refusal_points_to_the_privacy_office_not_to_a_closed_page(
    filed, officer, django_capture_on_commit_callbacks
):
    """APPI art. 36(1) and 37: a refused request is closed; the notice says where to ask
    about the answer (the privacy office), not to write on the request's page."""
    from django.conf import settings

    from rights.requesters.verification import identity_reject

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        identity_reject(request=filed, actor=officer, note="No signature on the letter.")
    notice = notice_to(AGENT, "No signature on the letter.")
    assert settings.PRIVACY_OFFICE_EMAIL in notice.body
    assert "write to us on the request's page" not in notice.body
