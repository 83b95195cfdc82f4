"""Staff in the browser: a context in one language, logged in to the admin with a code."""

from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import totp_code
from tests.factories import PASSWORD

LOCALES = {"ja": "ja-JP", "en": "en-US"}


def staff_page(browser, live_server, officer, language: str = "ja", password: str = PASSWORD):
    """``(context, page)``: ``officer`` logged in to the admin, pages in ``language``."""
    context = browser.new_context(base_url=live_server.url, locale=LOCALES[language])
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    staff_logs_in(page, officer, password)
    return context, page


def staff_logs_in(page, officer, password: str = PASSWORD) -> None:
    """Log ``officer`` in to the admin with their authenticator code."""
    page.goto("/admin/login/")
    page.fill("input[name=username]", officer.email)
    page.fill("input[name=password]", password)
    page.fill("input[name=otp_token]", totp_code(TOTPDevice.objects.get(user=officer)))
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")


def confirm(page):
    """On the confirmation page of a final action (portal.kernel.admin_confirm), press the
    button that carries it out, and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(".rr-confirm form input[type=submit]").click()


#: The boxes a person fills in or ticks.
BOXES = "input:not([type=hidden]):not([type=submit]), select, textarea"

#: What an admin page must hold to: one heading, named in its title; every box labelled;
#: nothing wider than the window; each read-only value readable as text.
PAGE_FACTS = """boxes => ({
  h1: [...document.querySelectorAll('h1')].map(h => h.textContent.trim()),
  title: document.title,
  unnamed: [...document.querySelectorAll(boxes)]
    .filter(box => box.offsetParent !== null && !box.labels?.length
      && !box.getAttribute('aria-label') && !box.getAttribute('aria-labelledby'))
    .map(box => box.name),
  overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  unreadable: [...document.querySelectorAll('div.readonly')]
    .filter(value => !value.innerText.trim()
      || value.querySelector('img[alt=True], img[alt=False], img[alt=None]'))
    .map(value => value.closest('.form-row')?.className),
  orphanLabels: [...document.querySelectorAll('label[for]')]
    .filter(label => !document.getElementById(label.htmlFor))
    .map(label => label.htmlFor),
  disabled: [...document.querySelectorAll('#content [disabled]')]
    .map(control => control.name || control.textContent.trim()),
})"""
