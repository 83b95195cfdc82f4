"""Sign-up, e-mail verification, login and the step-up to a protected page."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal.kernel.models import AuditEvent, CustomerEmailDevice, User
from tests.conftest import last_code
from tests.factories import PASSWORD, SIGNUP, UserFactory

pytestmark = pytest.mark.django_db


def _link_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, body
    return match.group(1)


def test_signup_verify_login_step_up_reach_protected_page(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email__iexact="hanako.sato@example.com")
    assert user.email_verified_at is None
    assert user.profile.full_name == "佐藤 花子"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Hanako.Sato@example.com"]

    # Before the link is followed the customer cannot log in.
    response = client.post(
        "/accounts/login/", {"username": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session

    path = _link_path(mail.outbox[0].body)
    assert client.get(path).status_code == 200
    user.refresh_from_db()
    assert user.email_verified_at is None
    response = client.post(path)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert CustomerEmailDevice.objects.filter(user=user, confirmed=True).exists()

    # Login is case-insensitive on the e-mail address.
    response = client.post(
        "/accounts/login/",
        {"username": "HANAKO.SATO@example.com", "password": "a-long-enough-secret-77"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)

    # The protected page sends the customer through the code page and back.
    response = client.get("/account/")
    assert response.status_code == 302
    assert response.url == "/accounts/code/?next=%2Faccount%2F"

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/code/?next=/account/", {"send": "1", "next": "/account/"})
    code = last_code()
    response = client.post("/accounts/code/", {"token": code, "verify": "1", "next": "/account/"})
    assert response.status_code == 302
    assert response.url == "/account/"
    response = client.get("/account/")
    assert response.status_code == 200
    assert "佐藤 花子" in response.content.decode()

    actions = list(AuditEvent.objects.filter(actor=user).values_list("action", flat=True))
    for expected in ("account.signup", "account.email_verified", "auth.login", "otp.success"):
        assert expected in actions


def test_used_verification_link_is_refused(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", SIGNUP)
    path = _link_path(mail.outbox[0].body)
    assert client.post(path).status_code == 302
    assert client.get(path).status_code == 400
    assert client.post(path).status_code == 400
    assert client.get(path.replace(path.split("/")[-2], "bad-token")).status_code == 400


def test_signup_with_a_registered_address_reveals_nothing_and_creates_nothing(
    client, customer, django_capture_on_commit_callbacks
):
    data = {**SIGNUP, "email": customer.email.upper()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", data)
    assert response.status_code == 302
    assert response.url == "/accounts/signup/done/"
    assert User.objects.filter(email__iexact=customer.email).count() == 1
    # The owner of the address is told someone tried; no verification link is sent.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [customer.email]
    assert "/accounts/verify/" not in mail.outbox[0].body


def test_weak_password_is_refused_and_nothing_is_created(client):
    data = {**SIGNUP, "password1": "12345678", "password2": "12345678"}
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not User.objects.exists()


def test_email_is_unique_whatever_its_case():
    UserFactory(email="taro@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="TARO@example.com", password="x")


def test_wrong_password_does_not_log_in_and_is_audited(client, customer):
    response = client.post("/accounts/login/", {"username": customer.email, "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.target == f"portal.user:{customer.pk}"
    assert "nope" not in str(event.details)


def test_logout_is_post_and_audited(client, customer):
    client.force_login(customer)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.logout", actor=customer).exists()


def test_logout_says_so_on_the_page_it_lands_on(client, customer):
    client.force_login(customer)
    client.cookies["django_language"] = "ja"
    page = client.post("/accounts/logout/", follow=True).content.decode()
    assert "ログアウトしました。" in page


def test_password_reset_link_sets_a_new_password(
    client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": customer.email})
    assert response.status_code == 302
    path = _link_path(mail.outbox[0].body)
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "another-long-secret-88", "new_password2": "another-long-secret-88"},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.check_password("another-long-secret-88")


@pytest.mark.parametrize(
    ("language", "told"),
    [("en", "valid for 24 hours and can be used once"), ("ja", "有効期限は24時間")],
)
def test_the_password_reset_mail_says_how_long_its_link_works(
    client, customer, django_capture_on_commit_callbacks, settings, language, told
):
    """The reset mail said the link is "valid for a limited time only", though the
    confirmation mail gives the hours: the person could not tell whether it would still
    work tomorrow. It now gives them too (PASSWORD_RESET_TIMEOUT)."""
    settings.PASSWORD_RESET_TIMEOUT = 24 * 60 * 60
    customer.language = language
    customer.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": customer.email})
    body = mail.outbox[-1].body
    assert "/accounts/password/reset/" in body and told in body, body


def test_password_reset_for_an_unknown_address_looks_the_same(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/done/"
    assert mail.outbox == []


def test_resend_verification_mails_only_unverified_accounts(
    client, customer, django_capture_on_commit_callbacks
):
    pending = UserFactory(email_verified_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/verify/resend/", {"email": customer.email})
        client.post("/accounts/verify/resend/", {"email": pending.email})
    assert [m.to for m in mail.outbox] == [[pending.email]]


def _full_width(text: str) -> str:
    """``text`` as a Japanese input method in full-width mode types it."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def test_an_address_typed_in_full_width_signs_up_and_logs_in_as_typed_in_ascii(
    client, django_capture_on_commit_callbacks
):
    """Japanese input methods give full-width letters (ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ):
    the address is the same, as the code and phone fields already take it."""
    typed = _full_width("Taro.Yamada@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", {**SIGNUP, "email": typed})
    assert response.status_code == 302, response.context["form"].errors
    user = User.objects.get()
    assert user.email == "Taro.Yamada@example.com"
    assert mail.outbox[0].to == ["Taro.Yamada@example.com"]
    client.post(_link_path(mail.outbox[0].body))

    response = client.post("/accounts/login/", {"username": typed, "password": SIGNUP["password1"]})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_full_width_address_gets_its_password_reset_and_verification_mail(
    client, customer, django_capture_on_commit_callbacks
):
    customer.email_verified_at = None
    customer.save(update_fields=["email_verified_at"])
    typed = _full_width(customer.email)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/accounts/password/reset/", {"email": typed}).status_code == 302
        assert client.post("/accounts/verify/resend/", {"email": typed}).status_code == 302
    assert [m.to for m in mail.outbox] == [[customer.email], [customer.email]]


def test_full_width_spellings_count_against_the_same_account(client, customer, settings):
    """The login throttle counts the address as read, so typing it in full width opens
    no second count of wrong passwords."""
    settings.LOGIN_THROTTLE_ACCOUNT_FAILURES = 2
    for spelling in (customer.email, _full_width(customer.email)):
        client.post("/accounts/login/", {"username": spelling, "password": "wrong-one"})
    response = client.post("/accounts/login/", {"username": customer.email, "password": PASSWORD})
    assert response.status_code == 429


def test_signing_up_again_before_confirming_sends_a_fresh_confirmation_link(
    client, django_capture_on_commit_callbacks
):
    """Someone whose first link got lost or expired signs up again: the mail that
    answers must let them in. "You already have an account, log in here" would lead
    to a login that refuses an unconfirmed address."""
    waiting = UserFactory(email="hanako.sato@example.com", email_verified_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", SIGNUP)
    assert response.url == "/accounts/signup/done/"  # the same answer as ever
    assert User.objects.count() == 1
    (sent,) = mail.outbox
    assert sent.to == [waiting.email]
    assert "/accounts/verify/" in sent.body
    assert client.post(_link_path(sent.body)).status_code == 302
    waiting.refresh_from_db()
    assert waiting.email_verified


def test_signing_up_again_once_confirmed_still_says_the_account_exists(
    client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", {**SIGNUP, "email": customer.email})
    (sent,) = mail.outbox
    assert "/accounts/verify/" not in sent.body
    assert "/accounts/login/" in sent.body


@pytest.mark.parametrize("page", ["reset", "change"])
def test_password_rules_are_told_under_the_new_password_not_its_repetition(
    client, customer, page, request
):
    """A password that breaks a rule is marked on the field that holds it; the
    repetition field only says whether the two match."""
    if page == "reset":
        link = (
            f"/accounts/password/reset/{urlsafe_base64_encode(force_bytes(customer.pk))}/"
            f"{default_token_generator.make_token(customer)}/"
        )
        url, data = client.get(link).url, {}
    else:
        client = request.getfixturevalue("stepped_up_client")
        url, data = "/account/password/", {"old_password": PASSWORD}
    weak = "12345678901"
    response = client.post(url, {**data, "new_password1": weak, "new_password2": weak})
    form = response.context["form"]
    assert form.errors.get("new_password1"), form.errors
    assert "new_password2" not in form.errors, form.errors
    response = client.post(url, {**data, "new_password1": weak, "new_password2": weak + "0"})
    assert list(response.context["form"].errors) == ["new_password2"]


@pytest.mark.parametrize(
    ("language", "told"), [("en", "valid for 24 hours"), ("ja", "有効期限は24時間です")]
)
def test_signing_up_tells_how_long_the_confirmation_link_works(
    client, django_capture_on_commit_callbacks, settings, language, told
):
    """The page after signing up and the confirmation e-mail said the link is "valid
    for a limited time only": the person could not tell whether it would still work
    after lunch or tomorrow. Both now give the time (PASSWORD_RESET_TIMEOUT)."""
    settings.PASSWORD_RESET_TIMEOUT = 24 * 60 * 60
    client.cookies["django_language"] = language
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", {**SIGNUP, "language": language}, follow=True)
    assert told in response.content.decode()
    body = mail.outbox[-1].body
    assert "/accounts/verify/" in body and told in body


def test_a_link_valid_for_less_than_an_hour_is_said_to_be_valid_for_a_limited_time(
    client, django_capture_on_commit_callbacks, settings
):
    settings.PASSWORD_RESET_TIMEOUT = 30 * 60
    client.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", SIGNUP, follow=True)
    assert "valid for a limited" in response.content.decode()
    assert "valid for a limited time only" in mail.outbox[-1].body
    assert "0 hours" not in response.content.decode() + mail.outbox[-1].body
