"""A long request list and a long thread in the browser: page links, keyboard and axe."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from rights import deadlines
from rights.models import RequestMessage, RightsRequest
from rights.paging import REQUESTS_PER_PAGE, THREAD_PER_PAGE
from rights.services import request_submit
from tests.e2e.customer_support import customer_at
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _logs_in_and_steps_up(page, email):
    customer_at(page, email, "/requests/")


def test_page_two_of_the_request_list_and_of_a_thread(page, live_server, screenshot, axe_check):
    customer = ProfileFactory(user__language="ja", full_name="山田 花子").user
    filed = request_submit(subject=customer, requester=customer, kind="disclosure")
    now = timezone.now()
    RightsRequest.objects.bulk_create(
        RightsRequest(
            subject=customer,
            requester=customer,
            kind="correction",
            received_at=now - dt.timedelta(days=1, minutes=i),
            due_at=deadlines.due_at("appi", now - dt.timedelta(days=1, minutes=i)),
        )
        for i in range(2 * REQUESTS_PER_PAGE)
    )
    RequestMessage.objects.bulk_create(
        RequestMessage(
            request=filed,
            from_staff=bool(i % 2),
            body=f"メッセージ {i:03d}",
            created_at=now - dt.timedelta(seconds=3 * THREAD_PER_PAGE - i),
        )
        for i in range(3 * THREAD_PER_PAGE)
    )
    _logs_in_and_steps_up(page, customer.email)

    # The list: the newest request first, then page 2 by its link.
    pager = page.get_by_role("navigation", name="ご請求一覧のページ")
    assert pager.locator("[aria-current=page]").inner_text().strip().endswith("1")
    assert filed.reference in page.locator("main table").inner_text()
    with page.expect_navigation():
        pager.get_by_role("link", name=re.compile(r"ページ\s*2$")).click()
    assert page.url.endswith("/requests/?page=2")
    assert pager.locator("[aria-current=page]").inner_text().strip().endswith("2")
    assert filed.reference not in page.locator("main table").inner_text()
    assert page.locator("main table tbody tr").count() == REQUESTS_PER_PAGE
    screenshot("list-page-2")
    axe_check(page, "request list, page 2")

    # The thread opens on its newest messages, right above the reply form.
    page.goto(f"/requests/{filed.pk}/")
    thread = page.locator("#thread")
    assert "メッセージ 059" in thread.inner_text()
    assert "メッセージ 000" not in thread.inner_text()
    pager = thread.get_by_role("navigation", name="経過とメッセージのページ")
    last = pager.locator("[aria-current=page]").inner_text().strip()
    assert last.endswith("3")

    # Page 2 by keyboard: Tab to its link, Enter.
    for _ in range(80):
        if page.evaluate("() => document.activeElement?.getAttribute('href') === '?page=2#thread'"):
            break
        page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("?page=2#thread")
    assert pager.locator("[aria-current=page]").inner_text().strip().endswith("2")
    assert "メッセージ 059" not in thread.inner_text()
    assert thread.locator("textarea[name=body]").count() == 1
    screenshot("thread-page-2")
    axe_check(page, "request thread, page 2")

    # A message sent from page 2 shows on the newest page.
    thread.locator("textarea[name=body]").fill("2ページ目からの返信です。")
    with page.expect_navigation():
        thread.locator("button[type=submit]").click()
    # The redirect has no page number; the browser keeps the #thread anchor.
    assert re.search(rf"/requests/{filed.pk}/(#thread)?$", page.url), page.url
    assert "2ページ目からの返信です。" in page.locator("#thread").inner_text()
    screenshot("thread-after-reply")
