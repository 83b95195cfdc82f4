"""A deletion's systems outside this database, in Chromium (issue 23, acceptance 4).

Three systems in three states: the mailing service (the test double, a real
HTTP server) erased the customer, the billing archive is down and failed, the
delivery subcontractor has been mailed and not answered. Staff see each with
its state and the failed one's retry button; the customer reads the plain
summary, in English and in Japanese.
"""

import re

import pytest
from django.core import mail

from portal.kernel.staff import staff_create
from rights.choices import Status
from rights.connectors.models import SystemTask
from tests.connector_double import ConnectorDouble
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.customer_support import customer_stepped_up
from tests.e2e.staff_support import staff_logs_in
from tests.factories import PASSWORD
from tests.rights.connector_support import (
    api_system,
    double_fixture,  # noqa: F401  (the fixture "double")
    recipient_with_email_system,
    seed_double,
)
from tests.rights.retention_support import approve, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_see_three_systems_in_three_states_and_the_customer_a_summary(
    browser, live_server, page, double, settings, axe_check
):
    settings.CONNECTOR_MAX_ATTEMPTS = 1
    officer = _officer()
    customer = customer_with_records(language="en")
    seed_double(double, customer)
    api_system(double)
    down = ConnectorDouble().start()
    down.stop()
    api_system(down, name="Billing archive", categories=["contact"])
    recipient_with_email_system(customer, "Yamato Delivery", "privacy-yamato")
    request = file_deletion(customer, categories=["contact", "usage"])
    approve(request, officer)
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    states = dict(SystemTask.objects.values_list("system__name", "state"))
    assert states == {
        "Mailing service": "done",
        "Billing archive": "failed",
        "Yamato Delivery": "pending",
    }

    context = browser.new_context(base_url=live_server.url, locale="en-US")
    staff = context.new_page()
    staff.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    staff_logs_in(staff, officer)
    staff.goto(f"/admin/rights/rightsrequest/{request.pk}/change/")
    rows = staff.locator("#rr-systems tr.rr-system")
    assert rows.count() == 3
    shown = {
        rows.nth(i).get_attribute("data-system"): rows.nth(i)
        .locator(".rr-system-state")
        .inner_text()
        for i in range(3)
    }
    assert shown == {
        "Mailing service": "Done",
        "Billing archive": "Failed",
        "Yamato Delivery": "Pending",
    }
    failed = staff.locator('tr[data-system="Billing archive"]')
    assert "Unreachable" in failed.inner_text()
    assert failed.locator("button[name=retry_system]").is_visible()
    assert "The request completes only when every system has answered" in (
        staff.locator("#rr-systems").inner_text()
    )
    ARTIFACTS.mkdir(exist_ok=True)
    staff.screenshot(path=str(ARTIFACTS / "connector-systems-staff-en.png"), full_page=True)
    staff.context.add_cookies([{"name": "django_language", "value": "ja", "url": live_server.url}])
    staff.reload()
    section = staff.locator("#rr-systems").inner_text()
    assert "このデータベースの外にあるシステム" in section
    for state in ("完了", "失敗", "対応待ち"):
        assert state in section
    assert "お客様のデータを当社の2件のシステムから削除しました。" in section
    staff.screenshot(path=str(ARTIFACTS / "connector-systems-staff-ja.png"), full_page=True)
    context.close()

    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    customer_stepped_up(page, customer.email)
    page.goto(f"/requests/{request.pk}/")
    box = page.locator(".systems-box").inner_text()
    assert "Your data was deleted from 2 of our systems." in box
    assert "We are still waiting for 2 systems to confirm." in box
    page.screenshot(path=str(ARTIFACTS / "connector-systems-customer-en.png"), full_page=True)

    page.context.add_cookies([{"name": "django_language", "value": "ja", "url": live_server.url}])
    page.goto(f"/requests/{request.pk}/")
    box = page.locator(".systems-box").inner_text()
    assert "当社のほかのシステムと提供先" in box
    assert "お客様のデータを当社の2件のシステムから削除しました。" in box
    assert "2件のシステムの確認をまだ待っています。" in box
    page.screenshot(path=str(ARTIFACTS / "connector-systems-customer-ja.png"), full_page=True)
    assert axe_check(page, "request page with the systems summary") == []

    # The subcontractor's confirmation link, as their privacy contact opens it.
    link = next(m for m in mail.outbox if "/connectors/confirm/" in m.body)
    path = re.search(r"(/connectors/confirm/\S+/)", link.body).group(1)
    contact = browser.new_context(base_url=live_server.url, locale="ja-JP").new_page()
    contact.goto(path)
    assert axe_check(contact, "confirmation of a privacy task") == []
    contact.get_by_label("完了：対応しました").check()
    with contact.expect_navigation():
        contact.get_by_role("button", name="確認を送信する").click()
    assert "回答を記録しました" in contact.locator("main").inner_text()
    assert axe_check(contact, "confirmation recorded") == []
    contact.screenshot(path=str(ARTIFACTS / "connector-confirm-ja.png"), full_page=True)
    contact.context.close()
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS  # the billing archive has still failed


def _officer():
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    return officer
