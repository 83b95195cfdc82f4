"""The customer's request pages: filing, duplicates, the thread, and scoping."""

import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from rights import workflow
from rights.choices import Status
from rights.models import RequestMessage, RightsRequest
from rights.requesters.models import DocumentKind, IdentityDocument
from tests import sample_files
from tests.formats_support import shown_date
from tests.intake_support import file_from_review, file_through_review, is_review

pytestmark = pytest.mark.django_db

PDF = sample_files.pdf()


def test_pages_need_step_up(client, customer):
    client.force_login(customer)
    for url in ("/requests/", "/requests/new/", "/requests/new/disclosure/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/code/")


@pytest.mark.parametrize(
    ("language", "notice"), [("en", "notice of purposes of use"), ("ja", "利用目的の通知")]
)
def test_the_request_list_names_every_kind_of_request(stepped_up_client, language, notice):
    """APPI art. 32(2): the notice of purposes of use is a request like the others; the
    list's introduction names it with them."""
    stepped_up_client.cookies["django_language"] = language
    page = stepped_up_client.get("/requests/").content.decode()
    lead = page[page.index('<p class="lead">') :].split("</p>")[0]
    assert notice in lead


def test_filing_a_disclosure_request_sends_a_receipt_with_the_due_date(
    stepped_up_client, customer, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = file_through_review(
            stepped_up_client,
            "/requests/new/disclosure/",
            {"delivery_method": "electronic", "details": "All"},
        )
    request = RightsRequest.objects.get(subject=customer)
    assert response.status_code == 302
    assert response.url == f"/requests/{request.pk}/"
    assert request.kind == "disclosure" and request.status == Status.SUBMITTED
    assert request.regime == "appi"
    assert len(mail.outbox) == 1
    assert shown_date(request.due_at, customer.language) in mail.outbox[0].body
    page = stepped_up_client.get(f"/requests/{request.pk}/").content.decode()
    assert request.reference in page


def test_bad_input_changes_nothing(stepped_up_client, customer):
    response = stepped_up_client.post("/requests/new/disclosure/", {"delivery_method": "pigeon"})
    assert response.status_code == 200
    assert response.context["form"].errors["delivery_method"]
    assert not RightsRequest.objects.exists()
    assert stepped_up_client.get("/requests/new/nonsense/").status_code == 404


def test_an_open_duplicate_is_pointed_out_before_filing_again(stepped_up_client, customer):
    data = {"delivery_method": "electronic"}
    assert (
        file_through_review(stepped_up_client, "/requests/new/disclosure/", data).status_code == 302
    )
    review = stepped_up_client.post("/requests/new/disclosure/", data)
    assert review.status_code == 200 and is_review(review)
    assert review.context["duplicates"]
    assert RightsRequest.objects.count() == 1
    # Filing without the review's confirmation shows the review again.
    response = stepped_up_client.post("/requests/new/disclosure/", {**data, "step": "file"})
    assert response.status_code == 200 and is_review(response)
    assert response.context["duplicates"]
    assert RightsRequest.objects.count() == 1
    response = file_from_review(stepped_up_client, "/requests/new/disclosure/", review)
    assert response.status_code == 302
    assert RightsRequest.objects.count() == 2


def test_customer_answers_a_question_and_the_request_goes_back_to_review(
    stepped_up_client, customer, officer, file_request
):
    request = file_request(customer)
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    workflow.transition(
        request, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which service?"
    )
    upload = SimpleUploadedFile("proof.pdf", PDF, content_type="application/pdf")
    response = stepped_up_client.post(
        f"/requests/{request.pk}/", {"body": "The mobile service.", "attachment": upload}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    message = RequestMessage.objects.get(request=request)
    assert message.attachment_type == "application/pdf"
    response = stepped_up_client.get(f"/requests/{request.pk}/messages/{message.pk}/attachment/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_a_disguised_file_is_refused(stepped_up_client, customer, file_request):
    request = file_request(customer)
    fake = SimpleUploadedFile(
        "scan.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    response = stepped_up_client.post(
        f"/requests/{request.pk}/", {"body": "see file", "attachment": fake}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["attachment"]
    assert not RequestMessage.objects.exists()


@pytest.mark.parametrize(
    ("language", "hint"),
    [
        ("en", "PDF, JPEG, PNG or HEIC, at most 2.0\xa0MB."),
        ("ja", "PDF、JPEG、PNG、HEIC形式のファイル（2.0\xa0MB まで）を添付できます。"),
    ],
)
def test_the_attachment_hint_gives_the_size_limit_before_a_file_is_sent(
    stepped_up_client, customer, file_request, settings, language, hint
):
    """The limit was told only after a file over it was refused."""
    settings.RIGHTS_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    request = file_request(customer)
    stepped_up_client.cookies["django_language"] = language
    assert hint in stepped_up_client.get(f"/requests/{request.pk}/").content.decode()


def test_withdraw_while_not_in_progress(stepped_up_client, customer, file_request):
    request = file_request(customer)
    response = stepped_up_client.post(f"/requests/{request.pk}/withdraw/")
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN


def test_withdraw_asks_first_and_says_what_it_means(stepped_up_client, customer, file_request):
    stepped_up_client.cookies["django_language"] = "en"
    request = file_request(customer)
    detail = stepped_up_client.get(f"/requests/{request.pk}/").content.decode()
    # The request page only links to the confirmation; no one-click form.
    assert f'href="/requests/{request.pk}/withdraw/"' in detail
    assert f'action="/requests/{request.pk}/withdraw/"' not in detail

    page = stepped_up_client.get(f"/requests/{request.pk}/withdraw/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "What withdrawing means" in text and "cannot be reopened" in text
    assert f'action="/requests/{request.pk}/withdraw/"' in text
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED  # looking changes nothing
    stepped_up_client.post(f"/requests/{request.pk}/withdraw/", {"reason": "filed twice"})
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN


def test_a_request_that_cannot_be_withdrawn_does_not_offer_it(
    stepped_up_client, customer, file_request
):
    stepped_up_client.cookies["django_language"] = "en"
    request = file_request(customer)
    RightsRequest.objects.filter(pk=request.pk).update(status=Status.COMPLETED)

    response = stepped_up_client.get(f"/requests/{request.pk}/withdraw/", follow=True)

    assert response.redirect_chain[-1][0] == f"/requests/{request.pk}/"
    assert "can no longer be withdrawn" in response.content.decode()


@pytest.mark.parametrize(
    "status,documents,expected",
    [
        (Status.AWAITING_VERIFICATION, False, "paused until you confirm who you are"),
        (Status.AWAITING_VERIFICATION, True, "paused while we check the documents you sent"),
        (Status.AWAITING_PAYMENT, False, "paused until the fee is paid"),
        (Status.AWAITING_CUSTOMER, False, "paused until you answer our question"),
    ],
)
def test_a_paused_request_says_who_waits_for_whom(
    stepped_up_client, customer, file_request, status, documents, expected
):
    stepped_up_client.cookies["django_language"] = "en"
    request = file_request(customer)
    RightsRequest.objects.filter(pk=request.pk).update(status=status)
    if documents:
        IdentityDocument.objects.create(request=request, kind=DocumentKind.REQUESTER_ID)

    page = stepped_up_client.get(f"/requests/{request.pk}/").content.decode()

    assert expected in page
    assert "paused while we wait for you" not in page
    if documents:  # the steps say the same: the company acts next
        assert "Next: we check the documents you sent" in page
        assert "Next: you confirm who you are" not in page


def test_another_customer_gets_404_everywhere(
    client, customer, other_customer, file_request, django_capture_on_commit_callbacks
):
    request = file_request(customer)
    message = RequestMessage.objects.create(
        request=request, author=customer, body="mine", attachment_name="x.pdf"
    )
    message.attachment.save("x.pdf", io.BytesIO(PDF))
    client.force_login(other_customer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/code/", {"send": "1"})
    from tests.conftest import last_code

    client.post("/accounts/code/", {"token": last_code(), "verify": "1"})
    urls = [
        f"/requests/{request.pk}/",
        f"/requests/{request.pk}/messages/{message.pk}/attachment/",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/requests/{request.pk}/", {"body": "hi"}).status_code == 404
    assert client.post(f"/requests/{request.pk}/withdraw/").status_code == 404
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
    assert RequestMessage.objects.count() == 1
    assert request.reference not in client.get("/requests/").content.decode()


def test_a_stale_page_gets_the_reason_in_plain_words(
    stepped_up_client, customer, officer, file_request
):
    """A page left open while the request moved on: withdrawing it, or writing in the
    thread of a closed request, says why it cannot be done."""
    stepped_up_client.cookies["django_language"] = "en"
    moved_on = file_request(customer)
    workflow.transition(moved_on, to=Status.IN_REVIEW, actor=officer)
    workflow.transition(moved_on, to=Status.IN_PROGRESS, actor=officer)
    response = stepped_up_client.post(f"/requests/{moved_on.pk}/withdraw/", follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert "This request can no longer be withdrawn." in shown

    closed = file_request(customer)
    workflow.transition(closed, to=Status.WITHDRAWN, actor=customer)
    response = stepped_up_client.post(
        f"/requests/{closed.pk}/", {"body": "One more thing"}, follow=True
    )
    shown = [str(m) for m in response.context["messages"]]
    assert "This request is closed: its thread takes no more messages." in shown
    assert not closed.messages.exists()
    # What was typed is given back to be copied, not lost with the redirect.
    assert '<textarea id="unsent-message" name="unsent" readonly' in response.content.decode()
    assert ">One more thing</textarea>" in response.content.decode()


def test_the_request_list_heads_its_date_column_as_a_date(stepped_up_client, customer):
    """The list shows the day a request was received, so its column says 「受付日」,
    not 「受付日時」 (the request page, which shows the time too, keeps that); the zone
    the list's days share follows it."""
    from rights.services import request_submit

    request_submit(subject=customer, requester=customer, kind="disclosure")
    page = stepped_up_client.get("/requests/").content.decode()
    assert re.search(r'<th scope="col"[^>]*>受付日（日本時間）</th>', page)
    assert "受付日時" not in page
