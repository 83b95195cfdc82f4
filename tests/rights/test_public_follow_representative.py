"""A parent follows the request they made for their child without an account (APPI art.
37: the legal representative of a minor exercises the child's rights in their place).
The pages they see say whose data it is: the child's, not "yours"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client

from rights.choices import Status
from rights.models import RightsRequest
from rights.requesters.verification import identity_match_subject, identity_verify
from rights.workflow import transition
from tests.conftest import last_code
from tests.factories import ProfileFactory

from .identity_support import file_public_request, link_in, notice_to, pdf

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

PARENT = "parent@example.com"
CHILD = "Kenta Yamada"


def _parents_form():
    return {
        "capacity": "parent",
        "requester_name": "Taro Yamada",
        "subject_name": CHILD,
        "subject_email": "kenta@example.com",
        "subject_date_of_birth": "2014-06-01",
        "authority_kind": "family_register",
        "authority_document": pdf("koseki.pdf"),
        "requester_document": pdf("licence.pdf"),
    }


@pytest.fixture
def answered(officer, django_capture_on_commit_callbacks):
    """A parent's disclosure for their child, matched, verified and delivered."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = file_public_request(
        client, PARENT, django_capture_on_commit_callbacks, **_parents_form()
    )
    assert response.status_code == 302, response.content
    filed = RightsRequest.objects.get()
    child = ProfileFactory(
        full_name=CHILD, user__email="kenta@example.com", date_of_birth=dt.date(2014, 6, 1)
    ).user
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        identity_match_subject(request=filed, subject=child, actor=officer)
        identity_verify(request=filed, actor=officer)
        filed.refresh_from_db()
        transition(filed, to=Status.IN_PROGRESS, actor=officer)
    filed.refresh_from_db()
    assert filed.status == Status.COMPLETED
    return filed


def _main(page) -> str:
    """The page's own content, without the site's header and footer."""
    html = page.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def _followed(language, capture) -> tuple[Client, str]:
    """The parent's browser, their address confirmed on the follow page."""
    url = link_in(notice_to(PARENT, "R-"))
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["django_language"] = language
    with capture(execute=True):
        assert client.post(url, {"send": "1"}).status_code == 302
    assert mail.outbox[-1].to == [PARENT]
    client.post(url, {"code": last_code()})
    return client, url


def test_the_parents_download_page_names_the_child(answered, django_capture_on_commit_callbacks):
    """APPI art. 37: the file holds the child's data; the parent's page says so instead of
    calling it the parent's own."""
    client, url = _followed("en", django_capture_on_commit_callbacks)
    page = client.get(url + "download/")

    assert page.status_code == 200
    text = _main(page)
    assert f"Download the data of {CHILD}" in text
    assert f"the personal data we hold about {CHILD}, for whom you made the request" in text
    assert f"it contains the personal data of {CHILD}" in text
    assert "about you" not in text and "your personal data" not in text


def test_the_parents_download_page_in_japanese(answered, django_capture_on_commit_callbacks):
    client, url = _followed("ja", django_capture_on_commit_callbacks)
    text = _main(client.get(url + "download/"))

    assert f"{CHILD}様の情報のダウンロード" in text
    assert f"ご請求の対象となる{CHILD}様について当社が保有する個人情報" in text
    assert "お客様の個人情報" not in text and "お客様の情報" not in text


def test_the_parents_follow_page_says_whom_the_request_is_about(
    answered, django_capture_on_commit_callbacks
):
    """APPI art. 37: a parent may follow requests for more than one child; the page names
    the child and the capacity the parent asked in."""
    client, url = _followed("en", django_capture_on_commit_callbacks)
    text = _main(client.get(url))

    assert "Who the request is about" in text and CHILD in text
    assert "You asked as" in text
    assert "Legal representative of a minor (parent or guardian)" in text


def test_the_parents_follow_page_in_japanese(answered, django_capture_on_commit_callbacks):
    client, url = _followed("ja", django_capture_on_commit_callbacks)
    text = _main(client.get(url))

    assert "ご請求の対象となるご本人" in text and CHILD in text
    assert "ご請求いただいた立場" in text
    assert "未成年者の法定代理人（親権者・未成年後見人）" in text


def test_the_follow_page_says_when_the_documents_are_deleted(
    answered, django_capture_on_commit_callbacks, settings
):
    """The parent sent their own identity document and the family register extract
    (APPI art. 37); the page that lists them says how long they are kept, as the form
    and the receipt did."""
    settings.RIGHTS_IDENTITY_DOCUMENT_KEEP_DAYS = 30
    client, url = _followed("en", django_capture_on_commit_callbacks)
    text = _main(client.get(url))

    assert "koseki.pdf" in text
    assert (
        "The documents are deleted 30 days after our decision; we keep only the fact and "
        "the date of the check."
    ) in text
