"""A deletion of everything filed through the review step with the keyboard only (issue 25).

APPI art. 35(5)-(6), GDPR art. 17: before a deletion that closes the account is
filed, the customer sees in plain words that the account will be closed and
confirms; nothing is filed before that, and an empty form says what is missing.
"""

import re

import pytest
from django.core import mail

from rights.choices import Kind, Status
from rights.models import RightsRequest
from tests.e2e.conftest import ARTIFACTS, tab_to
from tests.factories import PASSWORD, ProfileFactory, RegistrationFactory, ServiceFactory

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = {
    "ja": {
        "locale": "ja-JP",
        "problem": "入力内容に問題があります",
        "empty": "削除する範囲を選んでください。",
        "closed": "お客様のアカウントは閉鎖され、ログインできなくなります。",
        "undone": "元に戻せません",
    },
    "en": {
        "locale": "en-US",
        "problem": "There is a problem",
        "empty": "Choose what to delete: everything (and close your account)",
        "closed": "Your account will be closed: you can no longer log in.",
        "undone": "cannot be undone",
    },
}


def _focused(page) -> str:
    return page.evaluate("() => document.activeElement?.id || document.activeElement?.tagName")


def _press_and_wait(page, key: str = "Enter") -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _log_in_and_step_up_by_keyboard(page, email: str, next_path: str) -> None:
    page.goto("/accounts/login/")
    tab_to(page, "input[name=username]")
    page.keyboard.type(email)
    tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    _press_and_wait(page)  # Enter in the form submits it
    page.goto(next_path)
    page.wait_for_url("**/accounts/code/**")
    tab_to(page, "button[name=send]")
    _press_and_wait(page)
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    tab_to(page, "input[name=token]")
    page.keyboard.type(code)
    _press_and_wait(page)
    page.wait_for_url(f"**{next_path}")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_deletion_is_filed_through_the_review_step_with_the_keyboard_only(
    browser, live_server, axe_check, language
):
    texts = TEXTS[language]
    customer = ProfileFactory(user__language=language).user
    RegistrationFactory(user=customer, service=ServiceFactory(code="mobile", name_en="Mobile"))
    context = browser.new_context(base_url=live_server.url, locale=texts["locale"])
    context.set_default_timeout(15_000)
    page = context.new_page()
    _log_in_and_step_up_by_keyboard(page, customer.email, "/requests/new/deletion/")

    # Nothing chosen: the form comes back with the summary of errors focused.
    tab_to(page, "button[name=step][value=review]")
    _press_and_wait(page)
    assert _focused(page) == "error-summary"
    summary = page.locator("#error-summary").inner_text()
    assert texts["problem"] in summary and texts["empty"] in summary
    assert RightsRequest.objects.count() == 0
    axe_check(page, f"deletion form with an error ({language})")
    _shot(page, f"intake-deletion-error-{language}")

    # The summary's link leads to the field; Space ticks it.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.matches('#error-summary a')")
    page.keyboard.press("Enter")
    assert _focused(page) == "id_everything"
    page.keyboard.press("Space")
    assert page.is_checked("#id_everything")

    # The review says the account will be closed; nothing is filed yet.
    tab_to(page, "button[name=step][value=review]")
    _press_and_wait(page)
    main = page.locator("main").inner_text()
    assert texts["closed"] in main and texts["undone"] in main
    assert RightsRequest.objects.count() == 0
    axe_check(page, f"deletion review ({language})")
    _shot(page, f"intake-deletion-review-{language}")

    # "Change" goes back with the choice kept; then review again and file.
    tab_to(page, "button[name=step][value=change]")
    _press_and_wait(page)
    assert page.is_checked("#id_everything")
    assert RightsRequest.objects.count() == 0
    tab_to(page, "button[name=step][value=review]")
    _press_and_wait(page)
    tab_to(page, "button[name=step][value=file]")
    _press_and_wait(page)
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))

    filed = RightsRequest.objects.get()
    assert (filed.kind, filed.scope, filed.status) == (
        Kind.DELETION,
        {"everything": True},
        Status.SUBMITTED,
    )
    assert filed.subject == customer
    assert texts["closed"] in page.locator("main").inner_text()
    _shot(page, f"intake-deletion-filed-{language}")
    context.close()
