"""No e-mail enumeration: sign-up, login, reset and resend answer alike for any address,
in what they show and in the work (and so the time) they take."""

import re
import statistics
import time
from unittest import mock

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portal.kernel.models import OutboxMessage, User
from tests.factories import SIGNUP

# Each test counts the public form's per-address limits from zero: other tests of the
# same process post to it too, and an eleventh start within the hour is refused.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]


def _page(response) -> str:
    """The page without the per-request CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def _hashing_calls(callable_):
    original = PBKDF2PasswordHasher.encode
    with mock.patch.object(
        PBKDF2PasswordHasher, "encode", autospec=True, side_effect=original
    ) as spy:
        result = callable_()
    return spy.call_count, result


def test_signup_answers_alike_and_hashes_alike(
    client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known_hashes, known = _hashing_calls(
            lambda: client.post("/accounts/signup/", {**SIGNUP, "email": customer.email})
        )
        new_hashes, new = _hashing_calls(
            lambda: client.post("/accounts/signup/", {**SIGNUP, "email": "new@example.com"})
        )
    assert (known.status_code, known.url) == (new.status_code, new.url)
    assert _page(client.get(known.url)) == _page(client.get(new.url))
    # Hashing the password is most of the work; both paths do it once.
    assert known_hashes == new_hashes == 1
    assert User.objects.filter(email__iexact=customer.email).count() == 1


def test_login_answers_alike_for_an_unknown_address_and_a_wrong_password(client, customer):
    known_hashes, known = _hashing_calls(
        lambda: client.post("/accounts/login/", {"username": customer.email, "password": "x1"})
    )
    unknown_hashes, unknown = _hashing_calls(
        lambda: client.post("/accounts/login/", {"username": "no@example.com", "password": "x1"})
    )
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors
    assert known_hashes == unknown_hashes == 1


def test_login_answers_alike_for_an_unverified_address_with_a_wrong_password(client, customer):
    User.objects.filter(pk=customer.pk).update(email_verified_at=None)
    unverified = client.post("/accounts/login/", {"username": customer.email, "password": "x1"})
    unknown = client.post("/accounts/login/", {"username": "no@example.com", "password": "x1"})
    assert unverified.context["form"].errors == unknown.context["form"].errors


RESET_AND_RESEND = pytest.mark.parametrize(
    "path", ["/accounts/password/reset/", "/accounts/verify/resend/"]
)


@RESET_AND_RESEND
def test_reset_and_resend_answer_alike(client, customer, path, django_capture_on_commit_callbacks):
    User.objects.filter(pk=customer.pk).update(email_verified_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(path, {"email": customer.email}, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post(path, {"email": "nobody@example.com"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200
    assert _page(known) == _page(unknown)
    # Only the owner of a real address gets mail, and exactly one.
    assert [message.to for message in mail.outbox] == [[customer.email]]


def _queued_by(client, path, address):
    before = set(OutboxMessage.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        client.post(path, {"email": address})
    queued = OutboxMessage.objects.exclude(pk__in=before)
    tables = sorted(
        {q["sql"].split()[0] + " " + _first_table(q["sql"]) for q in queries.captured_queries}
    )
    return [message.task_name for message in queued], tables


def _first_table(sql: str) -> str:
    match = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql)
    return match.group(1) if match else ""


@RESET_AND_RESEND
def test_reset_and_resend_do_the_same_work_for_a_known_and_an_unknown_address(
    client, customer, path
):
    """The same message is queued and the same tables touched either way: the
    time to answer cannot tell whether an account exists."""
    User.objects.filter(pk=customer.pk).update(email_verified_at=None)
    known_tasks, known_tables = _queued_by(client, path, customer.email)
    unknown_tasks, unknown_tables = _queued_by(client, path, "nobody@example.com")

    assert known_tasks == unknown_tasks and len(known_tasks) == 1
    assert known_tables == unknown_tables


@RESET_AND_RESEND
def test_reset_and_resend_take_as_long_for_a_known_and_an_unknown_address(client, customer, path):
    """Interleaved triples (known, unknown, known again); the medians of known and
    unknown differ by no more than the noise between two series of the same
    address. The time is the CPU time of the process answering (time.process_time),
    not the wall clock: other processes on a busy machine stretch the wall clock of
    one request and not of the next, and the difference a test may meet (a mail
    queued for one address only cost about 20 ms of work) is work this process
    does. The database's share is compared by the test before (the same queries).
    Up to three measurements are taken: a real difference shows in every one."""
    User.objects.filter(pk=customer.pk).update(email_verified_at=None)

    def timed(address):
        start = time.process_time()
        client.post(path, {"email": address})
        return time.process_time() - start

    for _ in range(5):  # warm-up: templates, cache, query plans
        timed(customer.email), timed("nobody@example.com")
    rounds = []
    for _ in range(3):
        known, unknown, known_again = [], [], []
        for _ in range(40):
            known.append(timed(customer.email))
            unknown.append(timed("nobody@example.com"))
            known_again.append(timed(customer.email))
        noise = abs(statistics.median(known) - statistics.median(known_again))
        difference = abs(statistics.median(known) - statistics.median(unknown))
        allowed = max(3 * noise, 0.15 * statistics.median(unknown), 0.002)
        rounds.append((difference, allowed))
        if difference <= allowed:
            return
    raise AssertionError(f"known and unknown addresses differ: (difference, allowed) {rounds}")


def test_public_start_does_the_same_work_for_a_customer_and_an_unknown_address(customer):
    """The form without an account mails a code to any address; whether the
    address also has an account changes neither the work nor the answer. (Each
    visitor is new: the first post starts their session.)"""
    known_tasks, known_tables = _queued_by(Client(), "/requests/start/", customer.email)
    unknown_tasks, unknown_tables = _queued_by(Client(), "/requests/start/", "nobody@example.com")

    assert known_tasks == unknown_tasks == ["rights.tasks.send_request_code"]
    assert known_tables == unknown_tables
