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
    assert (
        mail.outbox[-1]
        .body.split("\n\n", 1)[1]
        .startswith(  # after the greeting
            f"ご請求 {filed.reference}（訂正）を確かに受け付けました。"
        )
    )
    staff.screenshot(path=str(ARTIFACTS / "notice-text-published-ja.png"), full_page=True)

    with staff.expect_navigation():
        staff.locator("button[name=reset]").click()
    assert current_text("received", "ja") is None
    request_submit(subject=customer, requester=customer, kind="deletion")
    assert "確かに受け付けました" not in mail.outbox[-1].body
    staff.screenshot(path=str(ARTIFACTS / "notice-text-reset-ja.png"), full_page=True)
    context.close()


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        ("ja", "個人情報保護法とGDPRではお支払いまで回答期限が停止するため"),
        ("en", "under APPI and the GDPR the deadline is paused until it is paid"),
    ],
)
def test_gdpr_12_3_the_fee_notice_refuses_the_due_date_in_words_staff_read(
    browser, live_server, axe_check, language, refusal
):
    """GDPR art. 12(3), APPI art. 33(3): the fee notice goes out as the deadline pauses; an
    edited text quoting {due_date} is refused with the reason, at 1280 px, axe-clean."""
    ARTIFACTS.mkdir(exist_ok=True)
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    context, staff = staff_page(browser, live_server, officer, language)
    staff.set_viewport_size({"width": 1280, "height": 900})
    staff.goto(f"/admin/rights/noticetext/add/?kind=fee_due&language={language}")
    body = staff.locator("#id_body")
    body.fill(body.input_value() + "\n{due_date}")
    with staff.expect_navigation():
        staff.locator("input[name=_save]").click()
    error = staff.locator("#id_body_error")
    assert refusal in error.inner_text()
    assert "{due_date}" in error.inner_text()
    assert not NoticeText.objects.exists()
    staff.screenshot(path=str(ARTIFACTS / f"notice-text-due-date-refused-{language}.png"))
    axe_check(staff, f"notice text refused ({language})")
    context.close()
