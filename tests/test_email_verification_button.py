"""The sign-up confirmation link: opening it shows a button, only pressing it confirms.

Mail scanners and link previewers (Outlook Safe Links) open the links in a mail
before its reader does: a GET or HEAD of the link must confirm nothing.
"""

import pytest
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal.kernel.models import AuditEvent, CustomerEmailDevice
from portal.kernel.tasks import send_verification_email
from portal.kernel.tokens import email_verification_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting():
    return UserFactory(email="hanako.sato@example.com", email_verified_at=None)


def _path(user, token: str | None = None) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/accounts/verify/{uid}/{token or email_verification_token.make_token(user)}/"


def _unconfirmed(user) -> bool:
    user.refresh_from_db()
    return (
        user.email_verified_at is None
        and not CustomerEmailDevice.objects.filter(user=user).exists()
        and not AuditEvent.objects.filter(action="account.email_verified").exists()
    )


def test_opening_the_link_shows_a_button_and_confirms_nothing(waiting):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.get(_path(waiting))
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("<h1") == 1
    assert 'method="post"' in text
    assert "csrfmiddlewaretoken" in text
    assert "Confirm my e-mail address" in text
    assert "hanako.sato@example.com" in text
    assert _unconfirmed(waiting)


def test_a_link_scanner_asking_for_the_head_confirms_nothing(waiting):
    assert Client().head(_path(waiting)).status_code == 200
    assert _unconfirmed(waiting)


def test_the_button_speaks_japanese(waiting):
    response = Client(HTTP_ACCEPT_LANGUAGE="ja").get(_path(waiting))
    assert "メールアドレスを確認する" in response.content.decode()


def test_pressing_the_button_confirms_the_address_and_goes_to_the_login(waiting):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(_path(waiting), follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert "Your e-mail address is confirmed. You can log in now." in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.email_verified_at is not None
    assert CustomerEmailDevice.objects.filter(user=waiting, confirmed=True).exists()
    assert AuditEvent.objects.filter(action="account.email_verified", actor=waiting).count() == 1


def test_the_button_needs_the_pages_csrf_token(waiting):
    client = Client(enforce_csrf_checks=True)
    assert client.post(_path(waiting)).status_code == 403
    assert _unconfirmed(waiting)
    page = client.get(_path(waiting))
    token = page.context["csrf_token"]
    assert client.post(_path(waiting), {"csrfmiddlewaretoken": str(token)}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.email_verified_at is not None


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_wrong_token_changes_nothing_and_says_what_to_do(waiting, method):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = getattr(client, method)(_path(waiting, "c4x-0123456789abcdef"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "This link does not work" in text
    assert "/accounts/verify/resend/" in text
    assert "Confirm my e-mail address" not in text
    assert _unconfirmed(waiting)


def test_a_used_link_shows_no_button_any_more(waiting):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    path = _path(waiting)
    assert client.post(path).status_code == 302
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 400
        assert "Confirm my e-mail address" not in response.content.decode()
    assert AuditEvent.objects.filter(action="account.email_verified").count() == 1


def test_a_link_that_stopped_working_after_the_page_opened_changes_nothing(waiting):
    """The token is checked again on the POST: an address changed meanwhile (another
    sign-up link pressed in another tab) leaves the page's button without effect."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    path = _path(waiting)
    assert client.get(path).status_code == 200
    waiting.email = "taro.yamada@example.com"
    waiting.save(update_fields=["email"])
    assert client.post(path).status_code == 400
    assert _unconfirmed(waiting)


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "press the button on the page it opens"),
        ("ja", "開いたページのボタンを押して"),
    ],
)
def test_the_mail_says_the_link_opens_a_page_with_a_button(waiting, language, says, mailoutbox):
    """Whoever opens the link reads what to do there: the mail, not only the page."""
    waiting.language = language
    waiting.save(update_fields=["language"])
    send_verification_email(waiting.pk)
    (message,) = mailoutbox
    assert says in " ".join(message.body.split())
    assert "/accounts/verify/" in message.body
