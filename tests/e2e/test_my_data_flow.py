"""The demo customer logs in, passes the code step and sees their data in Japanese and English."""

import pytest
from django.core.management import call_command

from tests.e2e.customer_support import code_in_last_mail

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_customer_sees_their_data_in_both_languages(page, screenshot):
    call_command("seed_demo")

    page.goto("/accounts/login/")
    page.fill("input[name=username]", "demo@example.com")
    page.fill("input[name=password]", "demo-portal-2026")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    page.locator("nav.site-nav a[href='/my-data/']").click()
    page.wait_for_url("**/accounts/code/**")
    with page.expect_navigation():
        page.locator("button[name=send]").click()
    page.fill("input[name=token]", code_in_last_mail())
    page.locator("button[name=verify]").click()
    page.wait_for_url("**/my-data/")

    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("h1").inner_text() == "当社が保有するお客様の個人データ"
    account = page.locator("#account")
    assert "山田 花子" in account.inner_text()
    assert "03-5555-0123" in account.inner_text()
    mobile = page.locator("#service-mobile")
    assert mobile.locator("h2").inner_text() == "スマイルモバイル"
    assert "利用履歴" in mobile.inner_text() and "請求書" in mobile.inner_text()
    assert mobile.locator("table").count() >= 3
    screenshot("my-data-ja")

    # Page back through the mobile usage history, years of it.
    usage = mobile.locator("[id^='portal-usagerecord-mobile']")
    first_row = usage.locator("tbody tr").first.inner_text()
    usage.locator("a[rel=next]").click()
    page.wait_for_url("**p.portal.usagerecord.mobile=2**")
    usage = page.locator("#service-mobile [id^='portal-usagerecord-mobile']")
    assert usage.locator("tbody tr").first.inner_text() != first_row
    assert "2 / " in usage.locator(".pager-status").inner_text()

    with page.expect_navigation():
        page.locator("button[name=language][value=en]").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto("/my-data/")
    assert page.locator("h1").inner_text() == "The personal data we hold about you"
    mobile = page.locator("#service-mobile")
    assert mobile.locator("h2").inner_text() == "Smile Mobile"
    for heading in ["Usage history", "Transactions and invoices", "Contracts and memberships"]:
        assert heading in mobile.inner_text(), heading
    assert "Account and profile" in page.locator("#account").inner_text()
    assert "山田 花子" in page.locator("#account").inner_text()
    screenshot("my-data-en")
