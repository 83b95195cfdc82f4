"""The code check running out in the middle of a form, and passing it again, for the
tests of forms kept across the check (``portal.kernel.stepup``)."""

from __future__ import annotations

import time

from portal.kernel.stepup import STEP_UP_SESSION_KEY
from tests.conftest import last_code


def check_runs_out(client) -> None:
    """The client's code check ran out a day ago."""
    session = client.session
    session[STEP_UP_SESSION_KEY] = time.time() - 24 * 60 * 60
    session.save()


def step_up_again(client, capture, next_url: str) -> None:
    """Ask for a code by e-mail and enter it; the code page sends the client back to
    ``next_url``."""
    with capture(execute=True):
        client.post("/accounts/code/", {"send": "1", "next": next_url})
    response = client.post(
        "/accounts/code/", {"token": last_code(), "verify": "1", "next": next_url}
    )
    assert response.status_code == 302 and response.url == next_url
