"""What a deletion kept under a legal hold, on the customer's request page and in the
admin, before and after the hold ends (GDPR art. 17(3)(e): kept for a legal claim, then
erased; APPI art. 35(7): the person is told what was done; GDPR art. 12(1): in clear and
plain language, so the page never contradicts itself)."""

from __future__ import annotations

import re

import pytest
import time_machine

from rights.models import DeferredErasure
from rights.retention import jobs
from rights.retention.holds.services import hold_release

from .retention_support import (
    IN_COURT,
    approve,
    at,
    customer_with_records,
    file_deletion,
    litigation_hold,
)

pytestmark = pytest.mark.django_db

RELEASED_ON = at(2026, 8, 3)


@pytest.fixture
def kept_under_hold(officer, django_capture_on_commit_callbacks):
    """A deletion of the usage history (no retention rule keeps it), which a litigation
    hold without an end keeps: the request ends partially completed."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=4, invoices=[])
        hold = litigation_hold(officer, customer, categories=["usage"], reason=IN_COURT)
        request = file_deletion(customer, categories=["usage"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
    request.refresh_from_db()
    assert request.status == "partially_completed"
    return request, hold


def _release_and_run(hold, officer):
    with time_machine.travel(RELEASED_ON, tick=False):
        hold_release(hold=hold, actor=officer, reason="Judgment final; no appeal")
        jobs.run_deferred()


def test_the_admin_list_shows_the_day_a_deferred_erasure_was_erased(
    kept_under_hold, officer, officer_client
):
    _request, hold = kept_under_hold
    _release_and_run(hold, officer)
    step = DeferredErasure.objects.get(source="portal.usagerecord")
    assert step.status == DeferredErasure.Status.DONE and step.not_before is None
    listing = officer_client.get("/admin/rights/deferrederasure/").content.decode()
    row = re.search(rf"D-{step.pk:05d}.*?</tr>", listing, re.S)[0]
    assert "2026年8月3日" in row  # the staff pages are in Japanese
