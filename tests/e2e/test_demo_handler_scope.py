"""The demo shows the handler's scope (issue 20, item 18): after seed_demo, a customer
of fibre and points only is found by the officer's subject lookup and not by the
handler's (APPI art. 23: staff see the customers of the services they work on)."""

import io

import pytest
from django.core.management import call_command

from portal.kernel.models import User
from rights.management.commands.seed_demo import (
    DEMO_HANDLER_PASSWORD,
    DEMO_OFFICER_PASSWORD,
)
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.staff_support import staff_page

pytestmark = pytest.mark.django_db(transaction=True)

OUT_OF_SCOPE = "watanabe.kaori@example.com"


def _lookup(browser, live_server, email, password, label):
    context, staff = staff_page(
        browser, live_server, User.objects.get(email=email), "en", password=password
    )
    staff.goto(f"/admin/portal/user/subjects/?q={OUT_OF_SCOPE}")
    found = staff.locator("table.pd-results tbody tr").count()
    staff.screenshot(path=str(ARTIFACTS / f"demo-scope-{label}.png"), full_page=True)
    context.close()
    return found


def test_the_demo_handler_does_not_find_a_customer_of_another_service(browser, live_server):
    ARTIFACTS.mkdir(exist_ok=True)
    call_command("seed_demo", stdout=io.StringIO())
    assert _lookup(browser, live_server, "officer@example.com", DEMO_OFFICER_PASSWORD, "officer")
    assert (
        _lookup(browser, live_server, "handler@example.com", DEMO_HANDLER_PASSWORD, "handler") == 0
    )
