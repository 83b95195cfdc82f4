"""The final notice of a deletion that closed the account links to no page: the
person can no longer log in to open it, nor be sent a code at the erased address."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from rights.choices import Status

from .retention_support import approve, at, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "page_line", "details_line"),
    [
        ("en", "Your request's page:", "Details are on the"),
        ("ja", "ご請求のページ：", "詳細は"),
    ],
)
def test_the_notice_that_closes_the_account_points_to_no_page(
    language, page_line, details_line, officer, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(language=language, invoices=())
        address = customer.email
        request = file_deletion(customer, scope={"everything": True})
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
    request.refresh_from_db()
    assert request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)
    final = [m for m in mail.outbox if m.to == [address]][-1]
    assert page_line not in final.body
    assert settings.SITE_URL not in final.body
    assert details_line not in final.body


def test_a_notice_to_an_open_account_still_links_its_page(
    officer, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(invoices=())
        request = file_deletion(customer, categories=["usage"])
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
    final = mail.outbox[-1]
    assert f"{settings.SITE_URL}/requests/{request.pk}/" in final.body
    assert "Details are on the request's page." in final.body
