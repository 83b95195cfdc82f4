"""The answer to a request of a customer whose account is closed while it is open reaches
them without the account: every notice gives the signed follow link of the address it
went to (never "log in"), the page opens only after a code mailed to that address, and the
disclosure is downloaded there as a customer's would be: single use, until it expires,
audited (APPI Art. 33(1); GDPR Art. 15(3); CCPA §7021). The closed account's address is
kept until the files are downloaded or their link has expired, then erased."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail
from django.test import Client

from portal.kernel.models import AuditEvent
from rights import fees, workflow
from rights.choices import Status
from rights.requesters.follow_links import follow_token
from rights.retention import jobs
from tests.conftest import admin_login

from . import closed_account_support as closed
from .fee_support import publish
from .identity_support import link_in
from .retention_support import at, customer_with_records, erased, file_disclosure, told

pytestmark = closed.MARKS


def _close_account(officer, capture, *, language="en"):
    """A customer with an open disclosure, whose deletion of everything closed the
    account; (the customer, the address, the open disclosure)."""
    customer, address, still_open, _deletion = closed.closed_with_disclosure(
        officer, capture, language=language
    )
    mail.outbox.clear()
    return customer, address, still_open


def test_the_answer_is_downloaded_through_the_follow_link_of_the_address(
    officer, django_capture_on_commit_callbacks
):
    """APPI Art. 33(1) / GDPR Art. 15(3): the copy reaches the person although the account
    they filed with is closed."""
    capture = django_capture_on_commit_callbacks
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer, address, still_open = _close_account(officer, capture)
        closed.answer(still_open, officer, capture)
        notice = told(address, still_open)
        body = " ".join(notice.body.split())
        assert "log in" not in body and "/downloads/" not in body
        assert "Download them from the page below, after confirming your address" in body
        url = link_in(notice)
        # The address stays while the files wait to be downloaded.
        assert not erased(customer)

        visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
        closed.download_once(visitor, url, address, still_open, capture)

    # Downloaded, and its link past renewal: the next run erases the address.
    with time_machine.travel(at(2026, 9, 1), tick=False):
        jobs.run_deferred()
    assert erased(customer)
    assert Client().get(url).status_code == 404


def test_the_address_stays_until_the_link_expires(officer, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer, _address, still_open = _close_account(officer, capture)
        closed.answer(still_open, officer, capture)
    package = still_open.disclosure_package
    closed.assert_kept_until_it_expires(customer, package)


def test_the_japanese_notice_gives_the_link_too(officer, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    _customer, address, still_open = _close_account(officer, capture, language="ja")
    closed.answer(still_open, officer, capture)
    notice = told(address, still_open)
    assert "/requests/follow/" in notice.body
    assert "ログイン" not in notice.body and "/downloads/" not in notice.body


def test_a_request_for_more_information_points_to_the_follow_page(
    officer, django_capture_on_commit_callbacks
):
    """The customer answers on the follow page; the answer reaches the admin thread."""
    capture = django_capture_on_commit_callbacks
    _customer, address, still_open = _close_account(officer, capture)
    with capture(execute=True):
        workflow.transition(still_open, to=Status.IN_REVIEW, actor=officer)
        workflow.transition(
            still_open,
            to=Status.AWAITING_CUSTOMER,
            actor=officer,
            reason="Which phone number did you use?",
        )
    body = " ".join(told(address, still_open).body.split())
    assert "request's page" not in body
    assert "Please answer on the page below." in body
    url = link_in(told(address, still_open))
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert closed.code_step(visitor, url, address, capture).status_code == 302
    with capture(execute=True):
        response = visitor.post(url, {"body": "My old number, 090-1111-2222."})
    assert response.status_code == 302
    assert still_open.messages.get().body == "My old number, 090-1111-2222."
    # Staff see it as the requester's, with the address it came from.
    page = admin_login(Client(), officer).get(
        f"/admin/rights/rightsrequest/{still_open.pk}/change/"
    )
    entry = page.content.decode().split('<li class="rr-message">')[1].split("</li>")[0]
    assert f'<span class="rr-who">({address})</span>' in entry


def test_a_fee_due_points_to_the_follow_page(officer, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    publish(amount=1000)
    _customer, address, still_open = _close_account(officer, capture)
    with capture(execute=True):
        workflow.transition(still_open, to=Status.IN_REVIEW, actor=officer)
        fees.fee_request(request=still_open, actor=officer)
    notice = told(address, still_open)
    body = " ".join(notice.body.split())
    assert "request's page" not in body
    assert "How to pay is on the page below" in body
    assert "/requests/follow/" in notice.body


def test_an_open_account_has_no_follow_link():
    """The follow route is for a closed account only: with an open one, a token for its
    address stands for nothing."""
    customer = customer_with_records(invoices=())
    request = file_disclosure(customer)
    token = follow_token(request, customer.email)
    assert Client().get(f"/requests/follow/{token}/").status_code == 404


def test_a_link_for_another_address_stands_for_nothing(officer, django_capture_on_commit_callbacks):
    _customer, _address, still_open = _close_account(officer, django_capture_on_commit_callbacks)
    token = follow_token(still_open, "someone@else.example")
    assert Client().get(f"/requests/follow/{token}/").status_code == 404


@pytest.mark.parametrize("language", ["en", "ja"])
def test_staff_are_told_what_the_customer_receives(
    officer, client, django_capture_on_commit_callbacks, language
):
    _customer, _address, still_open = _close_account(officer, django_capture_on_commit_callbacks)
    staff = admin_login(client, officer)
    staff.cookies["django_language"] = language
    page = staff.get(f"/admin/rights/rightsrequest/{still_open.pk}/change/").content.decode()
    text = " ".join(page.split())
    assert "send them another way" not in text and "別の方法" not in text
    assert {
        "en": "a link to follow the request without an account",
        "ja": "アカウントなしで請求を確認できるリンク",
    }[language] in text


def test_the_receipt_of_a_paid_fee_is_on_the_follow_page(
    officer, django_capture_on_commit_callbacks
):
    """APPI Art. 38: the fee paid for the request has its printable receipt, made out to
    the customer, on the follow page of the closed account's address."""
    from rights.choices import PaymentMethod

    capture = django_capture_on_commit_callbacks
    publish(amount=1000)
    _customer, address, still_open = _close_account(officer, capture)
    with capture(execute=True):
        workflow.transition(still_open, to=Status.IN_REVIEW, actor=officer)
        payment = fees.fee_request(request=still_open, actor=officer)
        fees.payment_record(payment=payment, method=PaymentMethod.BANK_TRANSFER, actor=officer)
    url = link_in(told(address, still_open))
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert closed.code_step(visitor, url, address, capture).status_code == 302
    receipt = visitor.get(f"{url}receipt/")
    assert receipt.status_code == 200
    assert AuditEvent.objects.filter(action="request.receipt_viewed", actor=None).count() == 1
