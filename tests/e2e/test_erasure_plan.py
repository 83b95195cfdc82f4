"""A deletion's erasure plan in Chromium (issue 20, item 13): "in progress" shows the
plan first; a plan that changed before confirmation is shown again, new; the plan
confirmed is the plan run (APPI art. 35; GDPR art. 17(1), (3)(b))."""

import pytest

from portal.kernel.staff import staff_create
from portal.records.models import UsageRecord
from rights import workflow
from rights.choices import Status
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, UsageRecordFactory
from tests.rights.retention_support import customer_with_records, file_deletion

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_in_progress_shows_the_plan_and_a_changed_plan_is_shown_again(
    browser, live_server, language
):
    ARTIFACTS.mkdir(exist_ok=True)
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    customer = customer_with_records(invoices=[(2025, 4, 30)])
    request = file_deletion(customer, categories=["identity", "contact", "usage", "transactions"])
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    context, staff = staff_page(browser, live_server, officer, language)
    staff.goto(f"/admin/rights/rightsrequest/{request.pk}/change/")
    button = staff.locator("button[name=to][value=in_progress]")
    assert (
        button.inner_text()
        == {
            "en": "In progress (shows the erasure plan first)",
            "ja": "対応中へ（先に消去計画を表示）",
        }[language]
    )
    button.click()
    staff.wait_for_url("**/erasure-plan/")
    table = staff.locator("#rr-plan")
    assert table.locator("tr.rr-plan-erase").count() >= 1
    assert table.locator("tr.rr-plan-keep").count() == 1  # the invoice, under the tax law
    assert UsageRecord.objects.filter(user=customer).count() == 3
    staff.screenshot(path=str(ARTIFACTS / f"erasure-plan-{language}.png"), full_page=True)

    # A record arrives while the plan is on screen: confirming shows the new plan.
    UsageRecordFactory(user=customer, service=customer.service_registrations.first().service)
    with staff.expect_navigation():
        staff.locator("button[name=confirm]").click()
    assert staff.url.endswith("/erasure-plan/")
    assert staff.locator(".messagelist .warning").count() == 1
    assert UsageRecord.objects.filter(user=customer).count() == 4
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    staff.screenshot(path=str(ARTIFACTS / f"erasure-plan-changed-{language}.png"), full_page=True)

    staff.locator("button[name=confirm]").click()
    staff.wait_for_url(f"**/rightsrequest/{request.pk}/change/")
    request.refresh_from_db()
    assert request.status == Status.PARTIALLY_COMPLETED
    assert not UsageRecord.objects.filter(user=customer).exists()
    staff.screenshot(path=str(ARTIFACTS / f"erasure-plan-done-{language}.png"), full_page=True)
    context.close()
