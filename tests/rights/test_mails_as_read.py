"""Mails read as their recipient reads them, produced through the code that sends them:
a customer's final answer, a partner told to keep data, an officer told a partner is late."""

import re

import pytest
from django.core import mail

from rights import workflow
from rights.choices import Kind, Status
from rights.services import request_submit
from tests.rights.identity_support import parents_request

pytestmark = pytest.mark.django_db

BLANK_LINE_RUN = re.compile(r"\n[ \t]*\n[ \t]*\n")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_rejection_to_a_customer_has_no_run_of_blank_lines(
    customer, officer, language, django_capture_on_commit_callbacks
):
    """The rejection and partial answers ended the complaint paragraph with two blank
    lines before the link to the request: a gap that reads like the end of the mail."""
    customer.language = language
    customer.save(update_fields=["language"])
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.DELETION, scope={"everything": True}
    )
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(
            request, to=Status.REJECTED, actor=officer, reason="Kept by law.", ground="no_ground"
        )
    (sent,) = mail.outbox
    assert "/requests/" in sent.body and "Kept by law." in sent.body
    assert not BLANK_LINE_RUN.search(sent.body), sent.body


def test_a_rejection_to_a_parent_has_no_run_of_blank_lines(
    officer, django_capture_on_commit_callbacks
):
    from rights.requesters.verification import identity_verify

    request = parents_request()
    identity_verify(request=request, actor=officer, no_customer=True)
    request.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(
            request, to=Status.REJECTED, actor=officer, reason="Harmful.", ground="harm"
        )
    (sent,) = mail.outbox
    assert sent.to == ["parent@example.com"] and "/requests/follow/" in sent.body
    assert not BLANK_LINE_RUN.search(sent.body), sent.body
