"""Every staff message and status change e-mails the person in their language, with a
direct link to the request (issue 20, item 4)."""

import pytest
from django.core import mail
from django.utils import timezone, translation

from rights import workflow
from rights.choices import Kind, Status
from rights.progress import next_step_text
from rights.services import message_post, request_submit
from tests.formats_support import shown_date
from tests.rights.notice_support import mail_waiting_notices
from tests.rights.stop_support import marketing_stop_in_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(customer, django_capture_on_commit_callbacks):
    customer.language = "ja"
    customer.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(
            subject=customer, requester=customer, kind=Kind.DELETION, scope={"everything": True}
        )
    return customer, request


def _link(request, settings):
    return f"{settings.SITE_URL}/requests/{request.pk}/"


def test_the_receipt_links_to_the_request(filed, settings):
    _customer, request = filed
    assert _link(request, settings) in mail.outbox[-1].body


def test_a_staff_message_is_announced_without_its_text(
    filed, officer, settings, django_capture_on_commit_callbacks
):
    customer, request = filed
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_post(request=request, author=officer, body="Secret detail 123")
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [customer.email]
    assert request.reference in sent.subject and "新しいメッセージ" in sent.subject
    assert _link(request, settings) in sent.body
    assert "Secret detail 123" not in sent.body


def test_a_status_change_by_staff_is_announced_in_the_persons_language(
    filed, officer, settings, django_capture_on_commit_callbacks
):
    _customer, request = filed
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert "審査中" in sent.subject or "審査" in sent.body
    assert _link(request, settings) in sent.body


def test_the_customers_own_answer_sends_no_notice(
    filed, officer, django_capture_on_commit_callbacks
):
    customer, request = filed
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    workflow.transition(request, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which?")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_post(request=request, author=customer, body="This one.")
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    assert mail.outbox == []


def test_email_only_notices_stay_off_the_request_page(filed, officer, stepped_up_client):
    _customer, request = filed
    message_post(request=request, author=officer, body="Hello")
    assert request.notifications.filter(kind="message").exists()
    stepped_up_client.cookies["django_language"] = "en"
    page = stepped_up_client.get(f"/requests/{request.pk}/").content.decode()
    assert "We received your request" in page
    assert "New message about request" not in page


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_work_started_notice_gives_the_date_it_refers_to(
    customer, officer, language, django_capture_on_commit_callbacks
):
    """The next step of a request in progress is "our answer, by the date shown": the
    e-mail shows that date, as the request's page does."""
    customer.language = language
    customer.save(update_fields=["language"])
    request = marketing_stop_in_review(customer, officer, "Not needed.")
    mail_waiting_notices()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(request, to=Status.IN_PROGRESS, actor=officer)
    request.refresh_from_db()
    (sent,) = mail.outbox
    with timezone.override(request.zone):
        due = shown_date(request.due_at, language)
    assert due in sent.body
    with translation.override(language):
        assert str(next_step_text(Status.IN_PROGRESS)) in sent.body
