"""axe-core (WCAG 2.0/2.1 A and AA rules, and 2.2's target size) over every customer
page and form, in its normal state and in its error state, in Japanese and in English
(issue 25).

A page fails on any serious or critical violation; the test also holds every
page to no violation at all, as the pages have been since they were first checked.
The checks run on the pages as served (CSP on): axe-core comes from the
axe-playwright-python wheel, and the test asserts the browser asked no other host.
"""

from urllib.parse import urlparse

import pytest
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal.kernel.tokens import email_verification_token
from rights.services import request_submit
from tests.consent_support import recipients
from tests.e2e.customer_support import code_in_last_mail
from tests.factories import (
    PASSWORD,
    ProfileFactory,
    RegistrationFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

LOCALES = {"ja": "ja-JP", "en": "en-US"}
KINDS = ["disclosure", "purpose_notice", "correction", "stop_use", "stop_provision", "deletion"]


class Pages:
    """Visits pages and runs axe on each; remembers every violation found."""

    def __init__(self, page, axe_check, language, target_size):
        self.page, self.axe_check, self.language = page, axe_check, language
        self.target_size = target_size
        self.found: dict[str, list] = {}
        self.small: dict[str, list] = {}
        self.checked: list[str] = []

    def check(self, label: str) -> None:
        label = f"{label} [{self.language}]"
        assert self.page.locator("html").get_attribute("lang") == self.language, label
        violations = self.axe_check(self.page, label)
        self.checked.append(label)
        if violations:
            self.found[label] = violations
        if small := self.target_size(self.page):
            self.small[label] = [selector for selector, _why in small]

    def visit(self, path: str, label: str | None = None) -> None:
        self.page.goto(path)
        self.check(label or path)

    def submit(self, button: str, label: str, *, values: dict | None = None) -> None:
        """Set field values directly (past maxlength), press ``button``, check the result."""
        for selector, value in (values or {}).items():
            self.page.eval_on_selector(selector, "(el, v) => { el.value = v; }", value)
        with self.page.expect_navigation():
            self.page.locator(button).click()
        self.check(label)

    def error_state(self, button: str, label: str, **kwargs) -> None:
        self.submit(button, label, **kwargs)
        assert self.page.locator("#error-summary").count() == 1, label
        focused = self.page.evaluate("() => document.activeElement?.id")
        assert focused == "error-summary", f"{label}: focus on {focused!r}"


def _anonymous_pages(pages: Pages) -> None:
    page = pages.page
    for path in ("/", "/privacy/", "/fees/"):
        pages.visit(path)
    pages.visit("/accounts/login/")
    page.fill("input[name=username]", "nobody@example.com")
    page.fill("input[name=password]", "not-the-password")
    pages.error_state("main form button[type=submit]", "login, wrong password")
    for path in ("/accounts/signup/", "/accounts/password/reset/", "/accounts/verify/resend/"):
        pages.visit(path)
        pages.error_state("main form button[type=submit]", f"{path} empty")
    waiting = UserFactory(email=f"waiting-{pages.language}@example.com", email_verified_at=None)
    uid = urlsafe_base64_encode(force_bytes(waiting.pk))
    pages.visit(f"/accounts/verify/{uid}/bad-token/", "sign-up confirmation, wrong link")
    pages.visit(f"/accounts/verify/{uid}/{email_verification_token.make_token(waiting)}/")
    assert page.locator("h1").count() == 1
    pages.submit("main form button[type=submit]", "sign-up confirmed, login page")

    # The form without an account: the address, its code, then the request.
    pages.visit("/requests/start/")
    pages.error_state("main form button[type=submit]", "public start, empty")
    page.fill("input[name=email]", f"visitor-{pages.language}@example.com")
    pages.submit("main form button[type=submit]", "public code page")
    page.fill("input[name=code]", "000000" if code_in_last_mail() != "000000" else "111111")
    pages.error_state("main form button[type=submit]", "public code, wrong code")
    page.fill("input[name=code]", code_in_last_mail())
    pages.submit("main form button[type=submit]", "public request form")
    page.select_option("select[name=kind]", "deletion")
    pages.error_state("main form button[type=submit]", "public request form, empty deletion")


def _customer_pages(pages: Pages, customer) -> None:
    page = pages.page
    page.goto("/accounts/login/")
    page.fill("input[name=username]", customer.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    pages.visit("/my-data/", "step-up page")
    page.fill("input[name=token]", "000000")
    pages.error_state("button[name=verify]", "step-up, wrong code")
    with page.expect_navigation():
        page.locator("button[name=send]").click()
    page.fill("input[name=token]", code_in_last_mail())
    pages.submit("button[name=verify]", "my data")

    pages.visit("/account/")
    pages.error_state(
        "button[name=save_profile]", "account, name too long", values={"#id_full_name": "x" * 500}
    )
    pages.visit("/account/password/")
    pages.error_state("main form button[type=submit]", "password change, empty")
    pages.visit("/account/authenticator/")
    page.fill("input[name=token]", "000000")
    pages.error_state("main form button[type=submit]", "authenticator, wrong code")
    for path in ("/", "/consent/", "/consent/policy/", "/requests/", "/requests/new/"):
        pages.visit(path)

    for kind in KINDS:
        url = f"/requests/new/{kind}/"
        pages.visit(url)
        review = "button[name=step][value=review]"
        if kind in ("disclosure", "purpose_notice"):
            pages.error_state(review, f"{kind}, too long", values={"#id_details": "x" * 4001})
        else:
            pages.error_state(review, f"{kind}, empty")
        # A valid form leads to its review page.
        page.goto(url)
        if kind == "correction":
            phone = page.locator("select[name=target] option[value$='|phone']").first
            page.select_option("select[name=target]", phone.get_attribute("value"))
            page.fill("input[name=new_value]", "090-0000-1111")
        if kind == "stop_use":
            page.check("input[name=purposes] >> nth=0")
        if kind == "stop_provision":
            page.check("input[name=recipients] >> nth=0")
        if kind == "deletion":
            page.check("input[name=categories][value=usage]")
        if kind in ("correction", "stop_use", "stop_provision"):
            page.fill("textarea[name=details]", "理由 / reason")
        pages.submit(review, f"{kind} review")
        assert page.locator("button[name=step][value=file]").count() == 1

    filed = request_submit(
        subject=customer, requester=customer, kind="disclosure", delivery_method="electronic"
    )
    pages.visit(f"/requests/{filed.pk}/", "request page")
    thread = "form:has(textarea[name=body]) button[type=submit]"
    pages.error_state(thread, "request page, empty message")
    pages.visit(f"/requests/{filed.pk}/withdraw/")
    pages.error_state(
        "main form button.btn-danger",
        "withdraw, reason too long",
        values={"#id_reason": "x" * 4001},
    )


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_customer_page_and_form_passes_axe_in_normal_and_error_states(
    browser, live_server, axe_check, target_size, fresh_rate_limits, language
):
    customer = ProfileFactory(user__language=language, full_name="山田 花子").user
    RegistrationFactory(user=customer, service=ServiceFactory(code="mobile", name_en="Mobile"))
    recipients()
    context = browser.new_context(base_url=live_server.url, locale=LOCALES[language])
    context.set_default_timeout(15_000)
    hosts = set()
    context.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    page = context.new_page()
    pages = Pages(page, axe_check, language, target_size)

    _anonymous_pages(pages)
    _customer_pages(pages, customer)
    context.close()

    assert len(pages.checked) >= 50
    assert pages.found == {}, pages.found
    assert pages.small == {}, pages.small
    assert hosts == {urlparse(live_server.url).netloc}, hosts
