"""The Japanese admin in Chromium: the login's code field, django-otp's apps and the
audit trail's actions in Japanese (issue 20, item 15)."""

import pytest

from portal.kernel.staff import staff_create
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_login_index_and_audit_list_read_in_japanese(browser, live_server):
    ARTIFACTS.mkdir(exist_ok=True)
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    login = browser.new_context(base_url=live_server.url, locale="ja-JP")
    login.add_cookies([{"name": "django_language", "value": "ja", "url": live_server.url}])
    form = login.new_page()
    form.goto("/admin/login/")
    assert form.locator("label[for=id_otp_token]").inner_text() == "確認コード："
    form.screenshot(path=str(ARTIFACTS / "staff-ja-login.png"), full_page=True)
    login.close()

    context, staff = staff_page(browser, live_server, officer, "ja")
    index = staff.locator("#content-main").inner_text()
    for english in ("OTP_EMAIL", "OTP_TOTP", "EMAIL DEVICES", "TOTP DEVICES", "Email devices"):
        assert english not in index
    assert "認証アプリ" in index
    # The greeting is one Japanese sentence: no English full stop after the name.
    assert staff.locator("#user-tools").inner_text().startswith("ようこそ、PO@EXAMPLE.COM さん。")
    staff.screenshot(path=str(ARTIFACTS / "staff-ja-index.png"), full_page=True)

    staff.goto("/admin/rights/legalhold/")
    staff.goto("/admin/portal/auditevent/")
    cells = staff.locator("td.field-action_label span")
    labels = [cells.nth(i).inner_text() for i in range(cells.count())]
    assert any(label.startswith("一覧を閲覧：") for label in labels), labels
    assert not any(label.startswith("staff.") for label in labels), labels
    staff.screenshot(path=str(ARTIFACTS / "staff-ja-audit-list.png"), full_page=True)
    context.close()
