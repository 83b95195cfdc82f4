"""A customer manages consent in the browser, in Japanese and in English."""

import re

import pytest

from consent import services
from consent.models import ConsentRecord
from tests.consent_support import new_policy_version, recipients
from tests.e2e.customer_support import code_in_last_mail
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _log_in(page, user):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def _step_up(page):
    page.wait_for_url("**/accounts/code/**")
    with page.expect_navigation():
        page.locator("button[name=send]").click()
    page.fill("input[name=token]", code_in_last_mail())
    page.locator("button[name=verify]").click()


def test_consent_dashboard_in_both_languages(page, screenshot):
    recipients()
    customer = ProfileFactory().user
    _log_in(page, customer)
    page.goto("/consent/")
    _step_up(page)
    page.wait_for_url("**/consent/")

    assert page.locator("html").get_attribute("lang") == "ja"
    assert JAPANESE.search(page.locator("h1").inner_text())
    box = page.locator("input[name=purpose_marketing]")
    assert not box.is_checked()
    assert page.get_by_text("やまと配送株式会社").is_visible()
    box.check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/consent/")
    assert page.locator(".message-success").is_visible()
    assert page.locator("input[name=purpose_marketing]").is_checked()
    assert services.may_use(customer, "marketing")
    screenshot("consent-ja")

    page.locator("button[name=language][value=en]").click()
    page.wait_for_url("**/consent/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Your consent"
    assert page.get_by_text("Yamato Delivery Co., Ltd.").is_visible()
    page.locator("input[name=purpose_marketing]").uncheck()
    page.get_by_role("button", name="Save my choices").click()
    page.wait_for_url("**/consent/")
    assert "apply from now on" in page.locator(".message-success").inner_text()
    assert not services.may_use(customer, "marketing")
    history = page.locator("table").last.inner_text()
    assert "Withdrawn" in history and "Granted" in history
    screenshot("consent-en")

    records = ConsentRecord.objects.filter(subject=customer, purpose__code="marketing")
    assert [(r.action, r.language) for r in records.order_by("id")] == [
        ("granted", "ja"),
        ("withdrawn", "en"),
    ]
    assert all(r.user_agent and r.ip_address for r in records)


def test_a_material_policy_change_is_accepted_before_going_on(page, screenshot):
    customer = ProfileFactory().user
    new_policy_version(material=True)
    _log_in(page, customer)
    page.wait_for_url("**/consent/policy/**")
    assert page.locator("button[name=decline]").is_visible()
    screenshot("policy-ja")
    page.locator("button[name=language][value=en]").click()
    page.wait_for_url("**/consent/policy/**")
    assert page.locator("h1").inner_text() == "Our privacy policy has changed"
    screenshot("policy-en")
    page.locator("button[name=accept]").click()
    page.wait_for_url(re.compile(r".*/$"))
    assert page.locator(".message-success").is_visible()
    assert ConsentRecord.objects.filter(
        subject=customer, policy_version__version="2", action="granted"
    ).exists()
