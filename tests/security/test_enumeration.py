"""No e-mail enumeration: sign-up, login, reset and resend answer alike for any address."""

from unittest import mock

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core import mail

from portal.kernel.models import User
from tests.test_accounts import SIGNUP

pytestmark = pytest.mark.django_db


def _page(response) -> str:
    """The page without the per-request CSRF token."""
    import re

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


@pytest.mark.parametrize(
    "path,field",
    [("/accounts/password/reset/", "email"), ("/accounts/verify/resend/", "email")],
)
def test_reset_and_resend_answer_alike(client, customer, path, field):
    User.objects.filter(pk=customer.pk).update(email_verified_at=None)
    known = client.post(path, {field: customer.email}, follow=True)
    unknown = client.post(path, {field: "nobody@example.com"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200
    assert _page(known) == _page(unknown)
    # Only the owner of a real address gets mail.
    assert all(message.to == [customer.email] for message in mail.outbox)
