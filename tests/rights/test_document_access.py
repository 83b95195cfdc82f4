"""Who sees which documents and parts of a request filed by an agent (issue 18, item 2).

An appointed agent proves identity and authority with their own documents and
writes to the privacy office in the request's thread. Once staff match the
request to the customer it is about, that customer sees how it stands and the
copies of the outcome they are sent (APPI art. 37, CCPA §7063) — never the
agent's proof, free text, thread or attachments — and the same on the request
page as on the follow page. One rule decides it: ``rights.selectors.request_view``.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from rights import services
from rights.choices import RejectionGround, Status
from rights.models import RequestMessage, RightsRequest
from rights.requesters.filing import Person, Requester, Upload, identity_request_file
from rights.requesters.follow_links import follow_token
from rights.requesters.models import Capacity
from rights.requesters.verification import identity_match_subject, identity_verify
from rights.workflow import transition
from tests.conftest import last_code
from tests.factories import ProfileFactory

from .identity_support import PDF, file_public_request, pdf

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits", "message_storage"),
]

AGENT = "agent@lawyers.example"
PERSON = "hanako@example.com"
DETAILS = "All data, please."  # the agent's free text (identity_support.agent_form)
QUESTION = "Which of your client's e-mail addresses should we search?"
REPLY = "Only the one in the letter of attorney."
REASON = "No such records."


@pytest.fixture
def message_storage(monkeypatch, tmp_path):
    """Attachments of the thread go to a temporary directory."""
    from django.core.files.storage import FileSystemStorage

    field = RequestMessage._meta.get_field("attachment")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=str(tmp_path / "messages")))


@pytest.fixture
def hanako(db):
    """The customer the agent acts for, with an account."""
    return ProfileFactory(user__email=PERSON, full_name="山田 花子").user


def step_up(user, capture) -> Client:
    """A client logged in as ``user`` that passed the e-mail code step."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    with capture(execute=True):
        client.post("/accounts/code/", {"send": "1"})
    response = client.post("/accounts/code/", {"token": last_code(), "verify": "1"})
    assert response.status_code == 302, response.content
    return client


def page(response) -> dict:
    """The context of the page itself (the notices rendered for it carry their own)."""
    return next(c for c in response.context if "how_to_pay" in c)


def work_through(request: RightsRequest, officer, capture) -> RightsRequest:
    """Verify, ask the agent a question, take the agent's reply with an attachment, reject."""
    with capture(execute=True):
        identity_verify(request=request, actor=officer, no_customer=True)
        transition(request, to=Status.AWAITING_CUSTOMER, actor=officer, reason=QUESTION)
        services.message_post(
            request=request,
            author=None,
            body=REPLY,
            attachment=pdf("client-list.pdf"),
            attachment_type="application/pdf",
        )
        request.refresh_from_db()
        transition(
            request,
            to=Status.REJECTED,
            actor=officer,
            reason=REASON,
            ground=RejectionGround.values[0],
        )
    request.refresh_from_db()
    return request


def agent_request(visitor, capture) -> RightsRequest:
    """An appointed agent without an account files a disclosure request for Hanako."""
    before = set(RightsRequest.objects.values_list("pk", flat=True))
    response = file_public_request(visitor, AGENT, capture)
    assert response.status_code == 302, response.content
    return RightsRequest.objects.exclude(pk__in=before).get()


@pytest.fixture
def matched(hanako, officer, django_capture_on_commit_callbacks):
    """The agent's request, matched to Hanako's account, then worked through to a rejection."""
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    request = agent_request(visitor, django_capture_on_commit_callbacks)
    identity_match_subject(request=request, subject=hanako, actor=officer)
    return work_through(request, officer, django_capture_on_commit_callbacks)


def test_the_matched_customer_gets_404_on_each_of_the_agents_documents(
    matched, hanako, django_capture_on_commit_callbacks
):
    """APPI art. 37: the agent's identity document and letter of attorney are the agent's
    proof, not the person's data; the request page's download is a 404 for the person,
    as is the attachment the agent sent in the thread."""
    client = step_up(hanako, django_capture_on_commit_callbacks)
    documents = list(matched.identity_documents.order_by("pk"))
    assert [d.kind for d in documents] == ["requester_id", "attorney"]
    for document in documents:
        response = client.get(f"/requests/{matched.pk}/documents/{document.pk}/")
        assert response.status_code == 404, document.kind
    message = matched.messages.exclude(attachment="").get()
    response = client.get(f"/requests/{matched.pk}/messages/{message.pk}/attachment/")
    assert response.status_code == 404


def test_the_matched_customer_sees_the_outcome_not_the_agents_text(
    matched, hanako, django_capture_on_commit_callbacks
):
    client = step_up(hanako, django_capture_on_commit_callbacks)
    response = client.get(f"/requests/{matched.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    # The outcome: the status and the copy of the rejection sent to the person.
    assert matched.get_status_display() in text
    assert REASON in text
    assert [n.kind for n, _subject, _body in page(response)["notices"]] == ["rejected"]
    # Not the agent's: their free text, the question to them, their reply, their files.
    for private in (DETAILS, QUESTION.replace("'", "&#x27;"), REPLY, "client-list.pdf"):
        assert private not in text, private
    assert "bar-card.pdf" not in text and "letter-of-attorney.pdf" not in text
    assert page(response)["documents"] == []
    assert page(response)["timeline"] == []
    assert page(response)["summary"] is None
    assert f"/requests/{matched.pk}/documents/" not in text


def test_the_matched_customer_cannot_write_in_the_agents_thread(
    hanako, officer, django_capture_on_commit_callbacks
):
    """The thread is between the privacy office and the agent: a message from the person
    changes nothing and is told so."""
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    request = agent_request(visitor, django_capture_on_commit_callbacks)
    identity_match_subject(request=request, subject=hanako, actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        identity_verify(request=request, actor=officer)
        transition(request, to=Status.AWAITING_CUSTOMER, actor=officer, reason=QUESTION)
    client = step_up(hanako, django_capture_on_commit_callbacks)
    page = client.get(f"/requests/{request.pk}/").content.decode()
    assert "Send message" not in page
    response = client.post(f"/requests/{request.pk}/", {"body": "Not from me."}, follow=True)
    assert response.status_code == 200
    assert "Only whoever filed the request writes in its thread." in response.content.decode()
    assert not request.messages.exists()
    request.refresh_from_db()
    assert request.status == Status.AWAITING_CUSTOMER


def test_an_agent_with_an_account_still_sees_their_documents_and_text(
    hanako, officer, django_capture_on_commit_callbacks
):
    """The requester who uploaded the documents keeps them on their request page, after
    the match too; the person matched gets a 404 on the same addresses."""
    agent = ProfileFactory(user__email=AGENT).user
    request = identity_request_file(
        kind="disclosure",
        requester=Requester(capacity=Capacity.AGENT, name="佐藤 一郎", email=AGENT, language="en"),
        person=Person(name="山田 花子", email=PERSON),
        uploads=[
            Upload("requester_id", pdf("bar-card.pdf"), "application/pdf"),
            Upload("attorney", pdf("letter-of-attorney.pdf"), "application/pdf"),
        ],
        details=DETAILS,
        account=agent,
    )
    identity_match_subject(request=request, subject=hanako, actor=officer)
    documents = list(request.identity_documents.order_by("pk"))
    assert len(documents) == 2

    client = step_up(agent, django_capture_on_commit_callbacks)
    response = client.get(f"/requests/{request.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert DETAILS in text and "bar-card.pdf" in text and "letter-of-attorney.pdf" in text
    assert page(response)["documents"] == documents
    for document in documents:
        response = client.get(f"/requests/{request.pk}/documents/{document.pk}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF

    person = step_up(hanako, django_capture_on_commit_callbacks)
    for document in documents:
        assert person.get(f"/requests/{request.pk}/documents/{document.pk}/").status_code == 404


def test_the_agent_without_an_account_sees_their_thread_and_documents_on_the_follow_page(
    matched, django_capture_on_commit_callbacks
):
    url = f"/requests/follow/{follow_token(matched, AGENT)}/"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"send": "1"})
    assert mail.outbox[-1].to == [AGENT]
    assert client.post(url, {"code": last_code()}).status_code == 302
    response = client.get(url)
    text = response.content.decode()
    assert QUESTION.replace("'", "&#x27;") in text and REPLY in text
    assert "bar-card.pdf" in text and "letter-of-attorney.pdf" in text
    assert [d.kind for d in page(response)["documents"]] == ["requester_id", "attorney"]
    assert {n.kind for n, _s, _b in page(response)["notices"]} > {"rejected"}


def test_staff_still_see_the_agents_documents_and_attachment(matched, officer_client):
    for document in matched.identity_documents.all():
        url = f"/admin/rights/rightsrequest/{matched.pk}/documents/{document.pk}/"
        response = officer_client.get(url)
        assert response.status_code == 200, document.kind
        assert b"".join(response.streaming_content) == PDF
    message = matched.messages.exclude(attachment="").get()
    response = officer_client.get(
        f"/admin/rights/rightsrequest/{matched.pk}/messages/{message.pk}/attachment/"
    )
    assert response.status_code == 200


def test_the_follow_page_and_the_request_page_show_the_person_the_same(
    hanako, officer, django_capture_on_commit_callbacks
):
    """Two of the agent's requests for Hanako worked through alike: one not matched, which
    she follows through the link in her copy of the outcome; one matched to her account,
    on her request page. She sees the same parts of both."""
    capture = django_capture_on_commit_callbacks
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    followed = agent_request(visitor, capture)
    matched = agent_request(visitor, capture)
    identity_match_subject(request=matched, subject=hanako, actor=officer)
    work_through(followed, officer, capture)
    work_through(matched, officer, capture)

    url = f"/requests/follow/{follow_token(followed, PERSON)}/"
    follower = Client(HTTP_ACCEPT_LANGUAGE="en")
    with capture(execute=True):
        follower.post(url, {"send": "1"})
    assert mail.outbox[-1].to == [PERSON]
    assert follower.post(url, {"code": last_code()}).status_code == 302
    on_follow = follower.get(url)
    on_page = step_up(hanako, capture).get(f"/requests/{matched.pk}/")

    def seen(response) -> dict:
        context = page(response)
        text = response.content.decode()
        return {
            "notices": [n.kind for n, _subject, _body in context["notices"]],
            "documents": [d.kind for d in context["documents"]],
            "timeline": len(context["timeline"]),
            "delivery": context["delivery"],
            "fee": context["fee"],
            "can_write": bool(context["can_write"]),
            "details": DETAILS in text,
            "reason": REASON in text,
            "question": QUESTION.replace("'", "&#x27;") in text,
            "attachment": "client-list.pdf" in text,
            # The request's own sections (not the idle-logout dialog of a logged-in page).
            "headings": re.findall(r"<h2 id=\"([a-z-]+)\"", text.partition("</main>")[0]),
        }

    assert seen(on_follow) == seen(on_page)
    assert seen(on_page) == {
        "notices": ["rejected"],
        "documents": [],
        "timeline": 0,
        "delivery": None,
        "fee": None,
        "can_write": False,
        "details": False,
        "reason": True,
        "question": False,
        "attachment": False,
        "headings": ["status-title", "progress-title", "notices-title"],
    }
