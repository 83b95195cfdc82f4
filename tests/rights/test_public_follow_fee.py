"""The fee of a request filed without an account, on its follow page: paid, and its
receipt (the fee schedule promises a printable receipt on the request's page)."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.kernel.models import AuditEvent
from rights import fees
from rights.choices import PaymentStatus
from rights.models import RightsRequest
from rights.requesters.verification import identity_verify

from .fee_support import publish
from .identity_support import (
    AGENT,
    agents_request_with_fee,
    file_public_request,
    followed,
    link_in,
    notice_to,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

AGENT_NAME = "弁護士 佐藤 一郎"  # the requester's name on the public form (identity_support)


@pytest.fixture
def paid(officer, django_capture_on_commit_callbacks):
    """An appointed agent's disclosure (no account), its published fee asked and paid."""
    publish(amount=1000)
    request = agents_request_with_fee(officer, django_capture_on_commit_callbacks, pay=True)
    assert request.payments.get().status == PaymentStatus.PAID
    return request


def test_appi_art_38_the_follow_page_shows_the_paid_fee_and_its_receipt(
    paid, django_capture_on_commit_callbacks
):
    client, url = followed(paid, django_capture_on_commit_callbacks)
    page = client.get(url).content.decode()
    payment = paid.payments.get()
    assert payment.reference in page and "¥1,000" in page
    assert "Paid on" in page
    receipt_url = f"{url}receipt/"
    assert receipt_url in page
    assert f"/requests/{paid.pk}/receipt/" not in page  # the customer's page: needs a login

    receipt = client.get(receipt_url)
    assert receipt.status_code == 200
    text = receipt.content.decode()
    assert "Receipt" in text and payment.reference in text and "¥1,000" in text
    assert AGENT_NAME in text  # the requester paid
    assert AuditEvent.objects.filter(action="request.receipt_viewed").count() == 1


def test_the_receipt_needs_the_confirmed_address(paid):
    url = link_in(notice_to(AGENT, paid.reference))
    response = Client().get(f"{url}receipt/")
    assert response.status_code == 302
    assert response.url == url
    assert not AuditEvent.objects.filter(action="request.receipt_viewed").exists()


def test_no_receipt_before_the_fee_is_paid(officer, django_capture_on_commit_callbacks):
    publish(amount=1000)
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    file_public_request(visitor, AGENT, django_capture_on_commit_callbacks)
    request = RightsRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        identity_verify(request=request, actor=officer, no_customer=True)
        request.refresh_from_db()
        fees.fee_request(request=request, actor=officer)
    client, url = followed(request, django_capture_on_commit_callbacks)
    assert "receipt/" not in client.get(url).content.decode()
    assert client.get(f"{url}receipt/").status_code == 404
