"""Support for the tests of a customer whose deletion of everything closed the account
while a disclosure was open or just answered: the account closed, and the copy
downloaded through the follow link of the address."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from portal.kernel.models import AuditEvent
from rights import workflow
from rights.choices import Status
from rights.disclosure.services import download_claim
from rights.retention import jobs
from tests.conftest import last_code

from .disclosure_support import unzip
from .retention_support import (
    approve,
    customer_with_records,
    erased,
    file_deletion,
    file_disclosure,
)

#: The marks of these tests: the database, stored files and fresh rate limits.
MARKS = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]


def answer(request, officer, capture):
    """Staff review the disclosure and put it in progress: built, and completed."""
    with capture(execute=True):
        workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
        workflow.transition(request, to=Status.IN_PROGRESS, actor=officer)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED


def closed_with_disclosure(officer, capture, *, language="en", answered=False, downloaded=False):
    """A customer with a disclosure (completed first when ``answered``, and its copy
    downloaded once by the customer when ``downloaded``), whose deletion of everything
    closed the account; (the customer, the address, the disclosure, the deletion). The
    mail of the closing is all ``mail.outbox`` holds. A disclosure left open is filed
    just after the deletion: one filed before it would hold its erasure back until
    its copy is made (``retention.steps.copies_awaited``)."""
    customer = customer_with_records(invoices=(), language=language)
    address = customer.email
    if answered:
        disclosure = file_disclosure(customer)
        answer(disclosure, officer, capture)
        if downloaded:
            assert download_claim(package=disclosure.disclosure_package, user=customer) == ""
        deletion = file_deletion(customer, scope={"everything": True})
    else:
        deletion = file_deletion(customer, scope={"everything": True})
        disclosure = file_disclosure(customer)
    mail.outbox.clear()
    with capture(execute=True):
        approve(deletion, officer)
    customer.refresh_from_db()
    assert not customer.is_active
    return customer, address, disclosure, deletion


def assert_kept_until_it_expires(customer, package) -> None:
    """The closed account's address is kept the day before ``package`` expires, and
    erased by the run of the day after."""
    with time_machine.travel(package.expires_at - dt.timedelta(days=1), tick=False):
        jobs.run_deferred()
        assert not erased(customer)
    with time_machine.travel(package.expires_at + dt.timedelta(days=1), tick=False):
        jobs.run_deferred()
    assert erased(customer)


def code_step(client, url, address, capture):
    """Ask for a code on the follow page at ``url`` (mailed to ``address``) and enter it."""
    with capture(execute=True):
        assert client.post(url, {"send": "1"}).status_code == 302
    assert mail.outbox[-1].to == [address]
    return client.post(url, {"code": last_code()})


def download_once(visitor, url, address, request, capture) -> None:
    """The copy of ``request`` through its follow page at ``url``: only after the code
    mailed to ``address``, without the person's name on the page, audited, single use."""
    download = url + "download/"
    assert visitor.get(download).url == url  # not before the code
    page = visitor.get(url).content.decode()
    assert request.reference in page and "Hanako Sato" not in page
    assert code_step(visitor, url, address, capture).status_code == 302
    page = visitor.get(url).content.decode()
    assert request.reference in page and f'href="{download}"' in page
    response = visitor.post(download)
    assert response.status_code == 200
    contents = unzip(b"".join(response.streaming_content))
    assert any(request.reference.encode() in part for part in contents.values()), contents
    assert AuditEvent.objects.filter(action="disclosure.downloaded", actor=None).count() == 1
    assert visitor.post(download).status_code == 410  # single use
