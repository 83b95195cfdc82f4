"""The public form (no account) filed with the keyboard alone, in Japanese and English,
with axe-core on each of its pages, the status page the requester follows and the
agent's confirmation page (issue 20, item 19; WCAG 2.1 AA 2.1.1 Keyboard, JIS X 8341-3).

The address, the code and the request are typed; the identity document is chosen from
the file dialog opened with the keyboard; the request is sent with Enter.
"""

import pytest
from django.test import Client
from django.utils import translation
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from portal.kernel.staff import staff_create
from rights.models import RightsRequest
from rights.requesters.agents import agent_confirmation_request, confirmation_token
from rights.requesters.follow_links import follow_token
from rights.requesters.verification import identity_match_subject
from rights.services import request_submit
from tests.e2e.conftest import ARTIFACTS, tab_to
from tests.e2e.customer_support import code_in_last_mail
from tests.factories import PASSWORD, ProfileFactory
from tests.rights.identity_support import PDF, file_public_request

AGENT = "agent@lawyers.example"

pytestmark = pytest.mark.django_db(transaction=True)

LOCALES = {"ja": "ja-JP", "en": "en-US"}


def _shown(language: str, text: str) -> str:
    """``text`` as the page writes it in ``language``."""
    with translation.override(language):
        return translation.gettext(text)


def _choose_file_by_keyboard(page, selector: str, path) -> None:
    """Tab to the file input and open its dialog from the keyboard. A busy machine may
    take the key before the focus has settled, so the dialog is asked for again."""
    for key in ("Space", "Enter", "Space", "Enter"):  # both open a file input's dialog
        tab_to(page, selector)
        try:
            with page.expect_file_chooser(timeout=5_000) as chooser:
                page.keyboard.press(key)
        except PlaywrightTimeout:
            continue
        chooser.value.set_files(str(path))
        return
    raise AssertionError(f"the file dialog of {selector} never opened from the keyboard")


def _enter(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_public_form_is_filed_with_the_keyboard_only(
    browser, live_server, axe_check, fresh_rate_limits, tmp_path, language
):
    ARTIFACTS.mkdir(exist_ok=True)
    document = tmp_path / "licence.pdf"
    document.write_bytes(PDF)
    email = f"visitor-{language}@example.com"
    context = browser.new_context(base_url=live_server.url, locale=LOCALES[language])
    context.set_default_timeout(15_000)
    page = context.new_page()

    page.goto("/requests/start/")
    tab_to(page, "input[name=email]")
    page.keyboard.type(email)
    _enter(page)
    axe_check(page, f"public code page [{language}]")
    tab_to(page, "input[name=code]")
    page.keyboard.type(code_in_last_mail())
    _enter(page)
    assert page.url.endswith("/requests/start/request/")
    axe_check(page, f"public request form [{language}]")

    # Sent empty: the error summary takes the focus and lists what is missing.
    tab_to(page, "main form button[type=submit]")
    _enter(page)
    assert page.evaluate("() => document.activeElement?.id") == "error-summary"
    axe_check(page, f"public request form, errors [{language}]")

    tab_to(page, "input[name=subject_name]")
    page.keyboard.type("山田 花子")
    tab_to(page, "input[name=subject_email]")
    page.keyboard.type("hanako@example.com")
    tab_to(page, "textarea[name=details]")
    page.keyboard.type("All data, please.")
    _choose_file_by_keyboard(page, "input[name=requester_document]", document)
    tab_to(page, "input[name=documents_consent]")
    if not page.locator("input[name=documents_consent]").is_checked():
        page.keyboard.press("Space")
    assert page.locator("input[name=documents_consent]").is_checked()
    page.screenshot(path=str(ARTIFACTS / f"public-form-keyboard-{language}.png"), full_page=True)
    tab_to(page, "main form button[type=submit]")
    _enter(page)

    assert page.url.endswith("/requests/start/done/"), page.locator("main").inner_text()[:600]
    filed = RightsRequest.objects.get()
    assert filed.kind == "disclosure" and filed.identity.requester_email == email
    axe_check(page, f"public done page [{language}]")
    page.screenshot(path=str(ARTIFACTS / f"public-form-done-{language}.png"), full_page=True)

    page.goto(f"/requests/follow/{follow_token(filed, email)}/")
    assert page.locator("html").get_attribute("lang") == language
    axe_check(page, f"public follow page [{language}]")
    # The follow page, once the address is confirmed, says who waits for whom: the
    # company is checking the document sent (issue 20, item 9), still by keyboard.
    tab_to(page, "main button[name=send]")
    _enter(page)
    tab_to(page, "main input[name=code]")
    page.keyboard.type(code_in_last_mail())
    _enter(page)
    status = page.locator("#status-title").locator("xpath=..").inner_text()
    assert _shown(language, "paused while we check the documents you sent") in status, status
    # The steps agree: the company acts next, not the person.
    steps = page.locator("#progress-title").locator("xpath=..").inner_text()
    checking = (
        "Next: we check the documents you sent and tell you the result. Then we review the request."
    )
    assert _shown(language, checking) in steps, steps
    axe_check(page, f"public follow page, confirmed [{language}]")
    page.screenshot(path=str(ARTIFACTS / f"public-follow-waiting-{language}.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_other_customer_facing_pages_pass_axe(
    browser,
    live_server,
    axe_check,
    fresh_rate_limits,
    private_storage,
    django_capture_on_commit_callbacks,
    language,
):
    """Pages the page-by-page check did not reach: the agent confirmation link the person
    opens, the withdrawal confirmation, the receipt, sign-up and reset "done" pages, 404."""
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    person = ProfileFactory(
        user__email="hanako@example.com", user__language=language, full_name="山田 花子"
    ).user
    assert (
        file_public_request(Client(), AGENT, django_capture_on_commit_callbacks).status_code == 302
    )
    by_agent = RightsRequest.objects.get()
    identity_match_subject(request=by_agent, subject=person, actor=officer)
    identity = agent_confirmation_request(request=by_agent, actor=officer)
    own = request_submit(subject=person, requester=person, kind="disclosure")

    context = browser.new_context(base_url=live_server.url, locale=LOCALES[language])
    context.set_default_timeout(15_000)
    page = context.new_page()
    checked = []

    def check(path, label):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language, label
        axe_check(page, f"{label} [{language}]")
        checked.append(label)

    check(f"/requests/confirm-agent/{confirmation_token(identity)}/", "agent confirmation")
    check("/accounts/signup/done/", "sign-up done")
    check("/accounts/password/reset/done/", "password reset sent")
    check("/no-such-page/", "not found")  # was Django's English page, lang="en"
    assert (
        page.locator("h1").inner_text()
        == {"ja": "ページが見つかりません", "en": "Page not found"}[language]
    )
    page.goto("/accounts/login/")
    page.fill("input[name=username]", person.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    check(f"/requests/{own.pk}/withdraw/", "withdrawal confirmation")
    check(f"/requests/{own.pk}/receipt/", "receipt")
    assert len(checked) == 6
    context.close()
