"""The e-mail after a request filed with identity documents says they are being
checked, in its subject too: the subject asked the person to confirm their identity
(「本人確認のお願い」) while the body said the documents sent were being checked
(APPI art. 37: the company's procedure for confirming who asks)."""

import pytest
from django.core import mail
from django.test import Client

from .identity_support import AGENT, file_public_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


@pytest.mark.parametrize(
    ("language", "subject", "asked"),
    [
        ("en", "We are checking your identity documents for request R-", "Please confirm"),
        ("ja", "本人確認書類を確認しています", "本人確認のお願い"),
    ],
)
def test_appi_art_37_a_request_filed_with_documents_is_told_they_are_being_checked(
    django_capture_on_commit_callbacks, language, subject, asked
):
    visitor = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = file_public_request(visitor, AGENT, django_capture_on_commit_callbacks)
    assert response.status_code == 302, response.content

    notice = mail.outbox[-1]  # after the code and the receipt
    assert notice.to == [AGENT]
    assert subject in notice.subject
    assert asked not in notice.subject
