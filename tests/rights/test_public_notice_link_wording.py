"""The link at the foot of a notice to a requester without an account promises a form to
write to us only while the request is open: the follow page of a closed request has none."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from rights.models import RightsRequest
from rights.requesters.follow import follow_withdraw

from .identity_support import AGENT, file_public_request, notice_to

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

FORM_PROMISED = "a form to write to us"
CLOSED_WORDING = "See the request here: its status and our notices."


def test_the_notice_of_a_withdrawal_does_not_promise_a_form_to_write_to_us(
    django_capture_on_commit_callbacks,
):
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert file_public_request(visitor, AGENT, django_capture_on_commit_callbacks).status_code
    request = RightsRequest.objects.get()
    received = notice_to(AGENT, "We received your request")
    assert FORM_PROMISED in received.body  # open: the page has the form

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_withdraw(request=request)
    withdrawn = notice_to(AGENT, "Withdrawn")
    assert FORM_PROMISED not in withdrawn.body
    assert CLOSED_WORDING in withdrawn.body
    assert "/requests/follow/" in withdrawn.body  # the link is still there


def test_the_japanese_notice_of_a_withdrawal_says_the_same(django_capture_on_commit_callbacks):
    visitor = Client(HTTP_ACCEPT_LANGUAGE="ja")
    visitor.cookies["django_language"] = "ja"
    assert file_public_request(visitor, AGENT, django_capture_on_commit_callbacks).status_code
    request = RightsRequest.objects.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_withdraw(request=request)
    (withdrawn,) = mail.outbox
    assert "当社へのご連絡" not in withdrawn.body
    assert "ご請求の状況と当社からのお知らせはこちらでご確認いただけます。" in withdrawn.body
