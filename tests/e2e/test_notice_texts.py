"""The privacy office corrects a notice in the admin, in Chromium (issue 20, item 17):
the shipped text to start from, a preview, publish, the next e-mail reads it, then
back to the shipped text (APPI art. 32-35 notices; GDPR art. 12(1) plain language)."""

import pytest
from django.core import mail

from portal.kernel.staff import staff_create
from rights.models import NoticeText
from rights.notice_overrides import current_text
from rights.services import request_submit
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

FIRST_LINE = "ご請求 {reference}（{kind}）を確かに受け付けました。"


def test_edit_preview_publish_and_reset_a_notice(browser, live_server):
    ARTIFACTS.mkdir(exist_ok=True)
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    context, staff = staff_page(browser, live_server, officer, "ja")
    staff.goto("/admin/rights/noticetext/add/?kind=received&language=ja")
    body = staff.locator("#id_body")
    shipped = body.input_value()
    assert "{reference}" in shipped and "{due_date}" in shipped
    lines = shipped.split("\n")
    body.fill("\n".join([FIRST_LINE, *lines[1:]]))
    staff.locator("input[name=_save]").click()
    staff.wait_for_url("**/noticetext/*/change/")
    preview = staff.locator("#rr-preview-body").inner_text()
    assert preview.startswith("ご請求 R-000123（開示）を確かに受け付けました。")
    staff.screenshot(path=str(ARTIFACTS / "notice-text-preview-ja.png"), full_page=True)

    # Not sent before it is published.
    customer = ProfileFactory(user__language="ja").user
    request_submit(subject=customer, requester=customer, kind="disclosure")
    assert "確かに受け付けました" not in mail.outbox[-1].body
    with staff.expect_navigation():
        staff.locator("button[name=publish]").click()
    assert current_text("received", "ja") == NoticeText.objects.get()
    filed = request_submit(subject=customer, requester=customer, kind="correction")
    assert mail.outbox[-1].body.startswith(
        f"ご請求 {filed.reference}（訂正）を確かに受け付けました。"
    )
    staff.screenshot(path=str(ARTIFACTS / "notice-text-published-ja.png"), full_page=True)

    with staff.expect_navigation():
        staff.locator("button[name=reset]").click()
    assert current_text("received", "ja") is None
    request_submit(subject=customer, requester=customer, kind="deletion")
    assert "確かに受け付けました" not in mail.outbox[-1].body
    staff.screenshot(path=str(ARTIFACTS / "notice-text-reset-ja.png"), full_page=True)
    context.close()
