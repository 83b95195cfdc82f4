"""A deletion that closes the account, in Chromium: the customer's review page and the
staff's erasure plan name the other open requests, which stay open, and are clean of
WCAG 2.1 A/AA violations (APPI art. 35; GDPR art. 17)."""

import pytest

from portal.kernel.staff import staff_create
from rights import workflow
from rights.choices import Status
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.customer_support import customer_at, page_in
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD
from tests.rights.disclosure_support import disclosure_in_progress
from tests.rights.retention_support import (
    approve,
    customer_with_records,
    file_deletion,
    file_disclosure,
)

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_review_names_the_open_requests(browser, live_server, axe_check, language):
    ARTIFACTS.mkdir(exist_ok=True)
    customer = customer_with_records(language=language)
    disclosure = file_disclosure(customer)
    page = page_in(browser, live_server, language, DESKTOP)
    customer_at(page, customer.email, "/requests/new/deletion/")
    page.locator("input[name=everything]").check()
    page.locator("button[name=step][value=review]").click()
    still_open = page.locator("#still-open")
    still_open.wait_for()
    link = still_open.locator(f"a[href='/requests/{disclosure.pk}/']")
    assert link.inner_text() == disclosure.reference
    assert axe_check(page, f"deletion review with open requests ({language})") == []
    page.screenshot(path=str(ARTIFACTS / f"deletion-still-open-{language}.png"), full_page=True)
    page.context.close()


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_plan_names_the_open_requests(browser, live_server, axe_check, language):
    ARTIFACTS.mkdir(exist_ok=True)
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    customer = customer_with_records()
    disclosure = file_disclosure(customer)
    deletion = file_deletion(customer, scope={"everything": True})
    workflow.transition(deletion, to=Status.IN_REVIEW, actor=officer)
    context, staff = staff_page(browser, live_server, officer, language)
    staff.goto(f"/admin/rights/rightsrequest/{deletion.pk}/erasure-plan/")
    rows = staff.locator("#rr-other-open tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("a").inner_text() == disclosure.reference
    assert axe_check(staff, f"erasure plan closing the account ({language})") == []
    staff.screenshot(path=str(ARTIFACTS / f"erasure-plan-closing-{language}.png"), full_page=True)
    staff.locator("button[name=confirm]").click()
    staff.wait_for_url(f"**/rightsrequest/{deletion.pk}/change/")
    disclosure.refresh_from_db()
    assert disclosure.status == Status.SUBMITTED
    context.close()


def test_the_erasure_waiting_for_the_copy_reads_well(browser, live_server, axe_check, monkeypatch):
    """The copy first, then the erasure (APPI art. 33 then 35; GDPR art. 15 then 17): the
    deletion's working page, the list of deferred erasures and the customer's page of the
    deletion name the disclosure waited for as a link that reads as one (WCAG 1.4.1), in
    both languages, at 1280 and 390 pixels, clean of WCAG 2.1 A/AA violations."""
    from rights import tasks

    # The disclosure is put in progress; its package is not built yet.
    monkeypatch.setattr(tasks.build_disclosure, "run", lambda *args, **kwargs: "not yet")
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    customer = customer_with_records()
    disclosure = disclosure_in_progress(customer, officer)
    deletion = file_deletion(customer, categories=["usage"])
    approve(deletion, officer)
    copy_link = f"a[href$='/rightsrequest/{disclosure.pk}/change/']"
    context, staff = staff_page(browser, live_server, officer, "en")
    customer_page = page_in(browser, live_server, "en", DESKTOP)
    customer_at(customer_page, customer.email, f"/requests/{deletion.pk}/")
    for language in ("en", "ja"):
        for page in (staff, customer_page):
            page.context.add_cookies(
                [{"name": "django_language", "value": language, "url": live_server.url}]
            )
        for width in (1280, 390):
            label = f"{language}, {width} px"
            for page in (staff, customer_page):
                page.set_viewport_size({"width": width, "height": 900})
            staff.goto(f"/admin/rights/rightsrequest/{deletion.pk}/change/")
            assert staff.locator(f"#rr-copy-first {copy_link}").inner_text() == disclosure.reference
            assert axe_check(staff, f"deletion waiting for the copy ({label})") == []
            staff.goto("/admin/rights/deferrederasure/")
            assert staff.locator(f"#result_list {copy_link}").inner_text() == disclosure.reference
            assert axe_check(staff, f"deferred erasures ({label})") == []
            customer_page.goto(f"/requests/{deletion.pk}/")
            link = customer_page.locator(f"#copy-first a[href='/requests/{disclosure.pk}/']")
            assert link.inner_text() == disclosure.reference
            assert axe_check(customer_page, f"customer's deletion ({label})") == []
            assert customer_page.evaluate(OVERFLOW) == 0, label
            customer_page.screenshot(
                path=str(ARTIFACTS / f"copy-first-{language}-{width}.png"), full_page=True
            )
    context.close()
    customer_page.context.close()
