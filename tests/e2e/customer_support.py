"""A customer in the browser: logged in, past the e-mail code step-up; filing a
disclosure and downloading its package."""

from __future__ import annotations

import io
import re
import zipfile

from django.core import mail

from portal.kernel.staff import staff_create
from tests.factories import PASSWORD, ProfileFactory
from tests.rights.disclosure_support import customer_with_data, disclosure_in_progress


def code_in_last_mail() -> str:
    """The six-digit code of the last mail sent."""
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def page_in(browser, live_server, language: str, viewport: dict):
    """A new page of the live server in ``language`` (the browser's locale and the
    portal's language cookie) on a screen of ``viewport``; close its ``context``."""
    context = browser.new_context(
        base_url=live_server.url,
        locale={"ja": "ja-JP", "en": "en-US"}[language],
        viewport=viewport,
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    return context.new_page()


def agent_confirmation_asked(*, language: str = "en"):
    """A CCPA deletion that the agent "Sam Agent" filed for Alex Smith (a customer whose
    language is ``language``), matched to Alex by a privacy officer, who asked Alex to
    confirm the agent: the request and the path of the link mailed to Alex."""
    from rights.requesters.agents import agent_confirmation_request
    from rights.requesters.filing import Person, Requester, identity_request_file
    from rights.requesters.models import Capacity
    from rights.requesters.verification import identity_match_subject

    person = ProfileFactory(
        user__email="alex@example.com", user__language=language, full_name="Alex Smith"
    ).user
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    filed = identity_request_file(
        kind="deletion",
        regime="ccpa",
        requester=Requester(
            capacity=Capacity.AGENT, email="agent@example.com", language="en", name="Sam Agent"
        ),
        person=Person(name="Alex Smith", email="alex@example.com"),
        uploads=[],
    )
    identity_match_subject(request=filed, subject=person, actor=officer)
    agent_confirmation_request(request=filed, actor=officer)
    path = re.search(r"(/requests/confirm-agent/\S+/)", mail.outbox[-1].body).group(1)
    return filed, path


def public_form_at(page, email: str) -> None:
    """Confirm ``email`` with the mailed code and wait on the public form (no account)."""
    page.goto("/requests/start/")
    page.fill("input[name=email]", email)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/requests/start/code/")
    page.fill("input[name=code]", code_in_last_mail())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/requests/start/request/")


def customer_at(page, email: str, path: str, password: str = PASSWORD) -> None:
    """Log ``email`` in, open ``path`` (a page behind the step-up), pass the e-mail code
    check and wait until ``path`` is shown."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.goto(path)
    page.wait_for_url("**/accounts/code/**")
    with page.expect_navigation():
        page.locator("button[name=send]").click()
    page.fill("input[name=token]", code_in_last_mail())
    page.locator("button[name=verify]").click()
    page.wait_for_url(f"**{path}")


def customer_stepped_up(page, email: str) -> None:
    """Log ``email`` in and pass the e-mail code check (on the correction form)."""
    customer_at(page, email, "/requests/new/correction/")


def customer_files_disclosure(page, email: str) -> None:
    """Log ``email`` in, pass the e-mail code check on the disclosure form, and file an
    electronic disclosure, told of the 1,000-yen fee before filing and on the review page."""
    customer_at(page, email, "/requests/new/disclosure/")
    assert page.locator("a[href='/fees/']").count() >= 1
    page.check("input[name=delivery_method][value=electronic]")
    with page.expect_navigation():
        page.locator("main form button[name=step][value=review]").click()
    assert "1,000円" in page.locator("main").inner_text()
    page.locator("main form button[name=step][value=file]").click()
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))


def completed_disclosure(page, live_server, language: str):
    """A customer with data whose disclosure was built (in-process) and who is logged in,
    on the request's page."""
    customer = customer_with_data(language=language)
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    request = disclosure_in_progress(customer, officer)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    customer_stepped_up(page, customer.email)
    page.goto(f"/requests/{request.pk}/")
    return customer, request


def download_zip(page) -> dict[str, bytes]:
    page.locator("a.download-link").click()
    page.wait_for_url(re.compile(r".*/downloads/[A-Za-z0-9_-]{43}/$"))
    with page.expect_download() as info:
        page.locator("button[name=download]").click()
    with open(info.value.path(), "rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as z:
        return {name: z.read(name) for name in z.namelist()}
