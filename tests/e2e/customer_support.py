"""A customer in the browser: logged in, past the e-mail code step-up."""

from __future__ import annotations

import re

from django.core import mail

from tests.factories import PASSWORD


def code_in_last_mail() -> str:
    """The six-digit code of the last mail sent."""
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


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
