"""Sign-up, password reset and "send the link again" mail whatever address is typed:
each is counted per typed address and per network address, so no one can make the
portal flood a customer's mailbox (or spend the company's mail quota)."""

import re
from unittest import mock

import pytest
from django.test import Client

from portal.kernel.models import OutboxMessage
from tests.factories import SIGNUP

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]


@pytest.fixture
def rates(settings):
    settings.ACCOUNT_MAIL_RATE_EMAIL = "3/h"
    settings.ACCOUNT_MAIL_RATE_IP = "100/h"
    return settings


def _reset(client, email):
    return client.post("/accounts/password/reset/", {"email": email})


def _resend(client, email):
    return client.post("/accounts/verify/resend/", {"email": email})


def _signup(client, email):
    return client.post("/accounts/signup/", {**SIGNUP, "email": email})


def test_password_resets_for_one_address_are_limited(client, customer, rates):
    answers = [_reset(client, customer.email).status_code for _ in range(4)]
    assert answers == [302, 302, 302, 429]
    refused = _reset(client, customer.email.upper())
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many attempts" in refused.content.decode()
    # Only the three allowed requests were queued to be mailed.
    assert OutboxMessage.objects.count() == 3


def test_the_three_forms_share_one_count_per_address(client, customer, rates):
    assert _signup(client, customer.email).status_code == 302
    assert _resend(client, customer.email).status_code == 302
    assert _reset(client, customer.email).status_code == 302
    queued = OutboxMessage.objects.count()
    assert _signup(client, customer.email).status_code == 429
    assert _resend(client, customer.email).status_code == 429
    assert OutboxMessage.objects.count() == queued


def test_the_limit_says_nothing_about_whether_an_address_has_an_account(client, customer, rates):
    for _ in range(3):
        _reset(client, customer.email)
        _reset(client, "nobody@example.com")
    known, unknown = _reset(client, customer.email), _reset(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 429
    assert _page(known) == _page(unknown)


def _page(response) -> str:
    """The page without the per-request CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_one_network_address_meets_its_own_limit_across_addresses(rates):
    rates.ACCOUNT_MAIL_RATE_IP = "2/h"
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert _reset(client, "a@example.com").status_code == 302
    assert _reset(client, "b@example.com").status_code == 302
    assert _reset(client, "c@example.com").status_code == 429
    # Another network address is not held back by it.
    assert _reset(Client(REMOTE_ADDR="203.0.113.10"), "d@example.com").status_code == 302


def test_a_form_sent_back_for_a_mistake_does_not_count(client, rates):
    for _ in range(5):
        assert _signup(client, "not-an-address").status_code == 200
    assert _reset(client, "new@example.com").status_code == 302


def test_while_the_cache_is_down_the_reset_goes_through_and_it_is_logged(
    client, customer, rates, caplog
):
    with mock.patch(
        "portal.accounts.throttle.is_ratelimited", side_effect=ConnectionError("cache down")
    ):
        assert _reset(client, customer.email).status_code == 302
    assert "Account mail rate limit: cache unavailable" in caplog.text
