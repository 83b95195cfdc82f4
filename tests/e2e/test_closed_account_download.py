"""A customer who closed their account while a disclosure was open follows the link of
the completion notice on a phone (390 px), confirms the address with the mailed code and
downloads the answer once, in Japanese and English, clean of WCAG 2.1 A/AA violations
(APPI Art. 33(1); GDPR Art. 15(3)). So does one whose disclosure was answered just
before the deletion that closed the account, by the link of that deletion's final notice."""

import re

import pytest
from django.core import mail

from portal.kernel.staff import staff_create
from rights import workflow
from rights.choices import Status
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.customer_support import code_in_last_mail, page_in
from tests.factories import PASSWORD
from tests.rights.identity_support import LINK
from tests.rights.retention_support import (
    approve,
    customer_with_records,
    file_deletion,
    file_disclosure,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("package_storage", "fresh_rate_limits"),
]

PHONE = {"width": 390, "height": 844}


def _answered_after_closing(language: str):
    """(the address, the open disclosure answered after the account closed)."""
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    customer = customer_with_records(invoices=(), language=language)
    address = customer.email
    still_open = file_disclosure(customer)
    approve(file_deletion(customer, scope={"everything": True}), officer)
    mail.outbox.clear()
    workflow.transition(still_open, to=Status.IN_REVIEW, actor=officer)
    workflow.transition(still_open, to=Status.IN_PROGRESS, actor=officer)
    still_open.refresh_from_db()
    assert still_open.status == Status.COMPLETED
    return address, still_open


def _answered_before_closing(language: str):
    """(the address, the deletion's final notice, the disclosure answered just before the
    deletion that closed the account)."""
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    customer = customer_with_records(invoices=(), language=language)
    address = customer.email
    answered = file_disclosure(customer)
    workflow.transition(answered, to=Status.IN_REVIEW, actor=officer)
    workflow.transition(answered, to=Status.IN_PROGRESS, actor=officer)
    answered.refresh_from_db()
    assert answered.status == Status.COMPLETED
    mail.outbox.clear()
    deletion = approve(file_deletion(customer, scope={"everything": True}), officer)
    final = [m for m in mail.outbox if m.to == [address] and deletion.reference in m.subject][-1]
    return address, final, answered


def _no_sideways_scroll(page, label):
    width, window = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= window, f"{label} is {width} px wide on a {window} px phone"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_answer_is_downloaded_from_the_mailed_link(browser, live_server, axe_check, language):
    address, request = _answered_after_closing(language)
    notice = [m for m in mail.outbox if m.to == [address] and request.reference in m.subject][-1]
    _download_by_link(browser, live_server, axe_check, language, notice, address, request)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_answer_sent_before_closing_is_downloaded_from_the_closing_notice(
    browser, live_server, axe_check, language
):
    address, final, request = _answered_before_closing(language)
    _download_by_link(
        browser, live_server, axe_check, language, final, address, request, label="answered-before"
    )


def _download_by_link(
    browser, live_server, axe_check, language, notice, address, request, label="closed-account"
):
    """Follow the link of ``notice`` on a phone, confirm the address with the mailed code,
    download ``request``'s answer once; each page clean of WCAG violations."""
    ARTIFACTS.mkdir(exist_ok=True)
    link = LINK.search(notice.body).group(0)
    path = "/" + link.split("/", 3)[3]

    page = page_in(browser, live_server, language, PHONE)
    page.context.set_default_timeout(15_000)
    page.goto(path)
    assert page.locator("html").get_attribute("lang") == language
    assert request.reference in page.locator("main").inner_text()
    assert axe_check(page, f"{label}: code step [{language}]") == []
    _no_sideways_scroll(page, "the code step")
    page.locator("main button[name=send]").click()
    page.locator("main input[name=code]").wait_for()
    assert mail.outbox[-1].to == [address]
    page.screenshot(path=str(ARTIFACTS / f"{label}-code-{language}.png"), full_page=True)
    page.locator("main input[name=code]").fill(code_in_last_mail())
    with page.expect_navigation():
        page.locator("main input[name=code]").press("Enter")

    link_to_download = page.locator(f"a[href='{path}download/']")
    assert link_to_download.count() == 1
    assert axe_check(page, f"{label}: follow page [{language}]") == []
    _no_sideways_scroll(page, "the follow page")
    page.screenshot(path=str(ARTIFACTS / f"{label}-follow-{language}.png"), full_page=True)
    link_to_download.click()
    page.wait_for_url(re.compile(r".*/download/$"))
    assert page.locator(".downloads-left").inner_text().startswith("1")
    assert axe_check(page, f"{label}: download page [{language}]") == []
    _no_sideways_scroll(page, "the download page")
    page.screenshot(path=str(ARTIFACTS / f"{label}-download-{language}.png"), full_page=True)
    with page.expect_download() as info:
        page.locator("button[name=download]").click()
    assert info.value.suggested_filename == f"{request.reference}-disclosure.zip"
    page.reload()
    assert page.locator(".download-used").count() == 1
    page.context.close()
