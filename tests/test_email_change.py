"""Changing the login e-mail address: a link to the new address, a notice to the old.

The customer asks on /account/email/ behind the code check and their password;
the change happens only when the link mailed to the new address is opened by
the same logged-in customer (GDPR art. 16, APPI art. 34: the customer keeps
their own contact data accurate without a request to staff).
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from portal.kernel.encryption import keyed_hash
from portal.kernel.models import AuditEvent, CustomerEmailDevice, User
from tests.conftest import last_code, step_up
from tests.factories import PASSWORD, SIGNUP, ProfileFactory

pytestmark = pytest.mark.django_db

NEW = "Hanako.New@Example.org"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def _link_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/account/email/confirm/\S+)", body)
    assert match, body
    return match.group(1)


def _without_csrf(page: str) -> str:
    """The page without what differs from one request to the next: the form's token,
    and the idle warning's seconds left (the time since the session was last
    written, counting down between two pages whatever they show)."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'data-idle-seconds-left="\d+"', 'data-idle-seconds-left=""', page)


def _ask(client, capture, *, new=NEW, password=PASSWORD):
    with capture(execute=True):
        return client.post("/account/email/", {"new_email": new, "password": password})


def _asked(client, customer, capture, *, new=NEW):
    """Step up, ask for ``new``, and return the path of the link mailed to it."""
    step_up(client, customer, capture)
    mail.outbox.clear()
    response = _ask(client, capture, new=new)
    assert response.status_code == 302, response.content.decode()
    (message,) = mail.outbox
    assert message.to == [new.split("@")[0] + "@" + new.split("@")[1].lower()]
    return _link_path(message.body)


def test_the_page_needs_the_code_check(client, customer):
    client.force_login(customer)
    response = client.get("/account/email/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/code/")
    # A POST without the check changes nothing and keeps no password in the session.
    response = client.post("/account/email/", {"new_email": NEW, "password": PASSWORD})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.email_change_to == ""
    assert "portal_kept_form" not in client.session


def test_change_through_the_link_then_the_old_address_is_told(
    client, customer, django_capture_on_commit_callbacks
):
    old = customer.email
    path = _asked(client, customer, django_capture_on_commit_callbacks)
    customer.refresh_from_db()
    assert customer.email == old, "nothing changes before the link is opened"
    assert customer.email_change_to == "Hanako.New@example.org"

    # Opening the link asks to confirm (a mail scanner's GET changes nothing).
    response = client.get(path)
    assert response.status_code == 200
    assert "Hanako.New@example.org" in response.content.decode()
    customer.refresh_from_db()
    assert customer.email == old

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path)
    assert response.status_code == 302
    assert response.url == "/account/"
    customer.refresh_from_db()
    assert customer.email == "Hanako.New@example.org"
    assert customer.email_change_to == ""
    assert customer.email_verified_at is not None

    # The old address is told, with no link that could undo or redo anything.
    (notice,) = mail.outbox
    assert notice.to == [old]
    assert "/account/email/confirm/" not in notice.body
    assert "Hanako.New@example.org" not in notice.body, "the new address is masked"
    assert "H***@example.org" in notice.body

    # "My data" shows the login as it is now; nothing else kept a copy to update.
    my_data = client.get("/my-data/").content.decode()
    assert "Hanako.New@example.org" in my_data and old not in my_data

    # The link is single-use.
    response = client.get(path)
    assert response.status_code == 400

    # The new address is the login now; the old one is not.
    client.logout()
    assert client.login(username="hanako.new@example.org", password=PASSWORD)
    client.logout()
    assert not client.login(username=old, password=PASSWORD)


def test_audit_events_carry_keyed_hashes_not_addresses(
    client, customer, django_capture_on_commit_callbacks
):
    old = customer.email
    path = _asked(client, customer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)
    requested = AuditEvent.objects.get(action="account.email_change_requested")
    changed = AuditEvent.objects.get(action="account.email_changed")
    for event in (requested, changed):
        assert event.actor_id == customer.pk and event.subject_id == customer.pk
        assert "example.org" not in str(event.details) and old not in str(event.details)
    new_hash = keyed_hash("email", "hanako.new@example.org")
    assert requested.details == {"to": new_hash}
    assert changed.details == {"from": keyed_hash("email", old.lower()), "to": new_hash}


def test_codes_go_to_the_new_address_and_a_pending_old_code_stops_working(
    client, customer, django_capture_on_commit_callbacks
):
    path = _asked(client, customer, django_capture_on_commit_callbacks)
    # A code mailed to the old address, not yet typed.
    device = CustomerEmailDevice.objects.get(user=customer)
    device.generate_challenge()
    device.refresh_from_db()
    assert device.token
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)
    device.refresh_from_db()
    assert device.token is None, "a code sent to the old address no longer works"

    mail.outbox.clear()
    device.throttling_failure_count = 0
    device.last_generated_timestamp = None
    device.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/code/", {"send": "1"})
    assert mail.outbox[-1].to == ["Hanako.New@example.org"]
    response = client.post("/accounts/code/", {"token": last_code(), "verify": "1"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"new_email": "not-an-address", "password": PASSWORD}, "有効なメールアドレス"),
        ({"new_email": NEW, "password": "wrong-password-1"}, "パスワードが正しくありません"),
        ({"new_email": "", "password": PASSWORD}, "新しいメールアドレスを入力してください"),
    ],
)
def test_refusals_change_nothing_in_japanese(
    client, customer, django_capture_on_commit_callbacks, data, message
):
    step_up(client, customer, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/email/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    customer.refresh_from_db()
    assert customer.email_change_to == "" and mail.outbox == []


def test_the_same_address_is_refused_in_english(
    client, customer, django_capture_on_commit_callbacks
):
    step_up(client, customer, django_capture_on_commit_callbacks, language="en")
    mail.outbox.clear()
    response = _ask(client, django_capture_on_commit_callbacks, new=customer.email.upper())
    assert response.status_code == 200
    assert "This is already your login e-mail address." in response.content.decode()
    assert mail.outbox == []


def test_an_address_with_an_account_answers_like_sign_up(
    client, customer, django_capture_on_commit_callbacks
):
    """The page answers as for a free address; the mailbox is told it has an
    account, as sign-up tells it, and nothing can be changed to it."""
    taken = ProfileFactory().user
    typed = taken.email.upper()
    shown = User.objects.normalize_email(typed)  # the domain in lower case
    step_up(client, customer, django_capture_on_commit_callbacks)
    client.get("/account/email/")  # the code page's message is shown and gone
    mail.outbox.clear()
    free_answer = _ask(client, django_capture_on_commit_callbacks, new="free@example.net")
    free_page = client.get("/account/email/").content.decode()
    mail.outbox.clear()
    taken_answer = _ask(client, django_capture_on_commit_callbacks, new=typed)
    taken_page = client.get("/account/email/").content.decode()
    assert (free_answer.status_code, free_answer.url) == (
        taken_answer.status_code,
        taken_answer.url,
    )
    assert _without_csrf(taken_page).replace(shown, "X") == _without_csrf(free_page).replace(
        "free@example.net", "X"
    )
    (message,) = mail.outbox
    assert message.to == [shown]
    assert "/account/email/confirm/" not in message.body
    assert "already" in message.body or "すでに" in message.body
    customer.refresh_from_db()
    assert customer.email != taken.email


def test_an_address_taken_after_the_link_was_sent_is_refused_at_the_link(
    client, customer, django_capture_on_commit_callbacks
):
    path = _asked(client, customer, django_capture_on_commit_callbacks)
    ProfileFactory(user__email="someone@example.net")
    User.objects.filter(email="someone@example.net").update(email="hanako.new@example.org")
    old = customer.email
    response = client.post(path)
    assert response.status_code == 400
    assert "すでに別のアカウント" in response.content.decode()
    customer.refresh_from_db()
    assert customer.email == old


def test_an_expired_link_is_refused(client, customer, django_capture_on_commit_callbacks, settings):
    path = _asked(client, customer, django_capture_on_commit_callbacks)
    old = customer.email
    # A day beyond: Django's tokens read the naive local clock, which moves by the
    # process's time-zone offset under time_machine.
    later = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT, days=1)
    with time_machine.travel(later, tick=False):
        client.force_login(customer)
        response = client.post(path)
    assert response.status_code == 400
    assert "このリンクは使えません" in response.content.decode()
    customer.refresh_from_db()
    assert customer.email == old


def test_a_tampered_link_and_a_superseded_link_are_refused(
    client, customer, django_capture_on_commit_callbacks
):
    first = _asked(client, customer, django_capture_on_commit_callbacks)
    tampered = first[:-3] + ("aaa/" if not first.endswith("aaa/") else "bbb/")
    assert client.post(tampered).status_code == 400
    # A second request replaces the first: only the newest link works.
    mail.outbox.clear()
    _ask(client, django_capture_on_commit_callbacks, new="second@example.net")
    second = _link_path(mail.outbox[-1].body)
    old = customer.email
    assert client.post(first).status_code == 400
    customer.refresh_from_db()
    assert customer.email == old
    assert client.post(second).status_code == 302
    customer.refresh_from_db()
    assert customer.email == "second@example.net"


def test_a_password_change_voids_a_pending_link(
    client, customer, django_capture_on_commit_callbacks
):
    path = _asked(client, customer, django_capture_on_commit_callbacks)
    customer.set_password("another-long-secret-93")
    customer.save()
    client.force_login(customer)
    assert client.post(path).status_code == 400


def test_a_link_opened_by_another_logged_in_account_is_refused(
    client, customer, other_customer, django_capture_on_commit_callbacks
):
    path = _asked(client, customer, django_capture_on_commit_callbacks)
    client.force_login(other_customer)
    client.cookies["django_language"] = "en"
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 403
        assert "This link was sent for another account" in response.content.decode()
    other_customer.refresh_from_db()
    customer.refresh_from_db()
    assert customer.email_change_to and other_customer.email_change_to == ""
    assert other_customer.email != "Hanako.New@example.org"


def test_the_link_needs_a_login(client, customer, django_capture_on_commit_callbacks):
    path = _asked(client, customer, django_capture_on_commit_callbacks)
    client.logout()
    response = client.post(path)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    customer.refresh_from_db()
    assert customer.email_change_to


def test_requests_for_links_are_throttled(
    client, customer, django_capture_on_commit_callbacks, settings
):
    settings.ACCOUNT_EMAIL_CHANGE_RATE_ACCOUNT = "2/h"
    step_up(client, customer, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    for n in range(2):
        assert (
            _ask(client, django_capture_on_commit_callbacks, new=f"n{n}@example.net").status_code
            == 302
        )
    response = _ask(client, django_capture_on_commit_callbacks, new="n3@example.net")
    assert response.status_code == 429
    assert "しばらく" in response.content.decode()
    assert len(mail.outbox) == 2
    customer.refresh_from_db()
    assert customer.email_change_to == "n1@example.net"


def test_sign_up_is_unchanged_by_a_pending_change(
    client, customer, django_capture_on_commit_callbacks
):
    """A pending new address is not reserved: someone else may still sign up with it,
    and the link is then refused (see above)."""
    _asked(client, customer, django_capture_on_commit_callbacks)
    client.logout()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", {**SIGNUP, "email": NEW})
    assert User.objects.filter(email__iexact=NEW).exists()


def test_the_account_page_links_to_the_change(stepped_up_client):
    content = stepped_up_client.get("/account/").content.decode()
    assert 'href="/account/email/"' in content


def test_the_correction_form_says_where_the_login_address_is_changed(stepped_up_client):
    """The login address is not a correctable item (APPI art. 34 requests go to
    staff); the form says the customer changes it themselves."""
    content = stepped_up_client.get("/requests/new/correction/").content.decode()
    assert "ログイン用メールアドレスはこの一覧にありません" in content


def test_staff_change_their_address_in_the_admin_only(
    client, officer, django_capture_on_commit_callbacks
):
    step_up(client, officer, django_capture_on_commit_callbacks)
    assert client.get("/account/email/").status_code == 403
    assert _ask(client, django_capture_on_commit_callbacks).status_code == 403
    officer.refresh_from_db()
    assert officer.email_change_to == ""
