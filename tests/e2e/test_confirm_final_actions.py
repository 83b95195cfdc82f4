"""In Chromium: a rejection, a stop decision and a hold's release ask for confirmation
first, on a page like the admin's delete confirmation; going back changes nothing,
confirming acts."""

import pytest
import time_machine

from consent import services as consent
from consent.models import ConsentRecord
from portal.kernel.staff import staff_create
from portal.records.models import UsageRecord
from rights import workflow
from rights.choices import Kind, Status
from rights.models import LegalHold
from rights.services import request_submit
from tests.consent_support import purpose
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, ProfileFactory
from tests.rights.retention_support import (
    approve,
    at,
    customer_with_records,
    file_deletion,
    litigation_hold,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_rejection_is_confirmed_before_the_person_is_told(browser, live_server):
    ARTIFACTS.mkdir(exist_ok=True)
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    customer = ProfileFactory(user__language="en").user
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.DISCLOSURE, delivery_method="electronic"
    )
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    context, staff = staff_page(browser, live_server, officer, "en")
    change = f"/admin/rights/rightsrequest/{request.pk}/change/"
    staff.goto(change)
    staff.fill("#rr-reason", "We hold no account under this name.")
    staff.select_option("#rr-ground", "other")
    staff.locator("button[name=to][value=rejected]").click()
    staff.wait_for_url("**/transition/")
    content = staff.locator("#content")
    assert f"Reject {request.reference}?" in content.inner_text()
    assert "We hold no account under this name." in content.inner_text()
    staff.screenshot(path=str(ARTIFACTS / "confirm-reject.png"), full_page=True)
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW

    staff.get_by_role("link", name="No, go back").click()
    staff.wait_for_url(f"**{change}")
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW

    staff.fill("#rr-reason", "We hold no account under this name.")
    staff.select_option("#rr-ground", "other")
    staff.locator("button[name=to][value=rejected]").click()
    staff.wait_for_url("**/transition/")
    staff.get_by_role("button", name="Reject the request").click()
    staff.wait_for_url(f"**{change}")
    request.refresh_from_db()
    assert request.status == Status.REJECTED
    staff.screenshot(path=str(ARTIFACTS / "confirm-reject-done.png"), full_page=True)
    context.close()


def test_a_stop_decision_is_confirmed_before_it_applies(browser, live_server):
    ARTIFACTS.mkdir(exist_ok=True)
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    customer = ProfileFactory(user__language="en").user
    consent.consent_update(
        subject=customer,
        choices={purpose("marketing"): True},
        method=ConsentRecord.Method.DASHBOARD,
    )
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.STOP_USE, scope={"purposes": ["marketing"]}
    )
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    context, staff = staff_page(browser, live_server, officer, "en")
    staff.goto(f"/admin/rights/rightsrequest/{request.pk}/change/")
    staff.locator("#rr-stop button[type=submit]").click()
    staff.wait_for_url("**/stop/")
    assert "Stopped at once" in staff.locator("#content").inner_text()
    staff.screenshot(path=str(ARTIFACTS / "confirm-stop.png"), full_page=True)
    assert consent.may_use(customer, "marketing")
    staff.get_by_role("button", name="Complete the request").click()
    staff.wait_for_url("**/change/")
    assert not consent.may_use(customer, "marketing")
    context.close()


def test_releasing_a_hold_lists_the_erasures_it_lets_run(browser, live_server):
    ARTIFACTS.mkdir(exist_ok=True)
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=4)
        hold = litigation_hold(officer, customer, categories=["usage"])
        approve(file_deletion(customer, categories=["usage"]), officer)
    context, staff = staff_page(browser, live_server, officer, "en")
    staff.goto(f"/admin/rights/legalhold/{hold.pk}/change/")
    staff.fill("#rt-release-reason", "Judgment final; no appeal")
    staff.get_by_role("button", name="Release", exact=True).click()
    staff.wait_for_url("**/release/")
    text = staff.locator("#content").inner_text()
    assert "4 records of Usage" in text
    staff.screenshot(path=str(ARTIFACTS / "confirm-hold-release.png"), full_page=True)
    assert LegalHold.objects.get().released_at is None

    staff.get_by_role("button", name="Release the hold").click()
    staff.wait_for_url(f"**/legalhold/{hold.pk}/change/")
    assert LegalHold.objects.get().released_at is not None
    assert UsageRecord.objects.filter(user=customer).count() == 4  # until the next run
    context.close()
