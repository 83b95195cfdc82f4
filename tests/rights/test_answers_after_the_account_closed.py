"""A customer closes their account (a deletion of everything) while another of their
requests is still open. That request is still answered (closing the account withdraws
nothing; APPI arts. 33-35, GDPR art. 12(3)), and the answer reaches them by e-mail: the
account's address, erased once the deletion's final notice has gone out, is kept until
the last of their open requests has sent its own final notice (and no longer)."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail

from rights import workflow
from rights.choices import Status
from rights.retention import jobs
from tests.conftest import admin_login

from .retention_support import approve, at, customer_with_records, file_deletion, file_disclosure

pytestmark = pytest.mark.django_db


def _erased(customer) -> bool:
    customer.refresh_from_db()
    return customer.email == f"erased-{customer.pk}@erased.invalid"


def test_the_answer_to_a_request_still_open_reaches_the_closed_accounts_address(
    officer, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(invoices=())
        address = customer.email
        # Filed just after the deletion: one filed before holds its erasure back.
        deletion = file_deletion(customer, scope={"everything": True})
        still_open = file_disclosure(customer)
        with django_capture_on_commit_callbacks(execute=True):
            approve(deletion, officer)
        customer.refresh_from_db()
        assert not customer.is_active
        # The deletion's final notice went out; the address stays for the open request,
        # and the notice says so rather than that it is erased now.
        assert not _erased(customer)
        final = [m for m in mail.outbox if deletion.reference in m.subject + m.body][-1]
        assert final.to == [address]
        assert "erased as soon as this notice" not in final.body
        assert (
            f"We still answer your open request {still_open.reference} and send the answer "
            "to this e-mail address, with a link to follow the request without the account"
            in " ".join(final.body.split())
        )

    # Nor does the beat erase it once the grace days are over.
    with time_machine.travel(at(2026, 7, 10), tick=False):
        jobs.run_deferred()
        assert not _erased(customer)

        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            workflow.transition(still_open, to=Status.IN_REVIEW, actor=officer)
            workflow.transition(
                still_open,
                to=Status.REJECTED,
                actor=officer,
                reason="We hold no data about you any more.",
                ground="other",
            )

    told = [m for m in mail.outbox if still_open.reference in m.subject + m.body]
    assert told and told[-1].to == [address]
    assert "We hold no data about you any more." in told[-1].body
    # Its final notice sent, nothing is left to answer: the address goes.
    assert _erased(customer)


def test_without_another_open_request_the_address_goes_after_the_final_notice(
    officer, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(invoices=())
        deletion = file_deletion(customer, scope={"everything": True})
        with django_capture_on_commit_callbacks(execute=True):
            approve(deletion, officer)
    assert _erased(customer)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_staff_working_on_the_open_request_see_that_the_account_is_closed(
    officer, client, django_capture_on_commit_callbacks, language
):
    """Staff answering the request left open know the customer can no longer log in:
    the answer reaches them by e-mail, and files are not downloaded by logging in."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(invoices=())
        # Filed just after the deletion: one filed before holds its erasure back.
        deletion = file_deletion(customer, scope={"everything": True})
        still_open = file_disclosure(customer)
        with django_capture_on_commit_callbacks(execute=True):
            approve(deletion, officer)
    staff = admin_login(client, officer)
    staff.cookies["django_language"] = language

    page = staff.get(f"/admin/rights/rightsrequest/{still_open.pk}/change/").content.decode()
    text = " ".join(page.split())

    assert 'id="rr-account-closed"' in text
    assert {
        "en": f"The customer's account was closed by {deletion.reference}",
        "ja": f"{deletion.reference}により請求者のアカウントは閉鎖されています",
    }[language] in text


def test_an_open_account_shows_no_closed_account_note(officer, client):
    customer = customer_with_records(invoices=())
    still_open = file_disclosure(customer)
    page = admin_login(client, officer).get(f"/admin/rights/rightsrequest/{still_open.pk}/change/")
    assert 'id="rr-account-closed"' not in page.content.decode()
