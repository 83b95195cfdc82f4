"""Attacks on the staff authenticator link (portal.accounts.enrolment_views): a
session key planted before the password step, guessing the password on the link's
page, which the staff login audits and answers 429 for."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.enrolment_views import PASSWORD_GIVEN
from portal.kernel.models import AuditEvent
from tests.conftest import totp_code
from tests.enrolment_support import issue, link_of, new_handler
from tests.factories import PASSWORD
from tests.hashers import FastPBKDF2PasswordHasher

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 5, 11, 9, 0, 30, tzinfo=dt.UTC)


def _link(officer_client, staff) -> str:
    return link_of(issue(officer_client, staff))


def test_a_session_key_planted_before_the_password_does_not_show_the_key(officer_client):
    """A key set in the member's browser beforehand (a shared computer, a cookie
    written by a sibling host) must not carry the password step to whoever planted it."""
    link = _link(officer_client, new_handler())
    member = Client(HTTP_ACCEPT_LANGUAGE="en")
    member.get(link)
    planted = member.session.session_key
    assert planted
    assert member.post(link, {"password": PASSWORD}).status_code == 302
    assert member.session.session_key != planted

    attacker = Client(HTTP_ACCEPT_LANGUAGE="en")
    attacker.cookies["sessionid"] = planted
    page = attacker.get(link)
    assert "secret" not in page.context
    assert "Your password" in page.content.decode()
    assert PASSWORD_GIVEN in member.session


def test_wrong_passwords_on_the_link_are_audited_and_throttled_with_429(officer_client):
    staff = new_handler()
    link = _link(officer_client, staff)
    guesser = Client(HTTP_ACCEPT_LANGUAGE="en")
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            assert (
                guesser.post(link, {"password": "guess"}, REMOTE_ADDR="198.51.100.9").status_code
                == 200
            )
        refused = guesser.post(link, {"password": PASSWORD}, REMOTE_ADDR="198.51.100.9")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "secret" not in refused.context
    assert PASSWORD_GIVEN not in guesser.session
    failed = AuditEvent.objects.filter(action="staff.enrolment_password_failed")
    assert failed.count() == 5
    assert {event.target for event in failed} == {f"portal.user:{staff.pk}"}
    throttled = AuditEvent.objects.get(action="staff.enrolment_throttled")
    assert throttled.target == f"portal.user:{staff.pk}"
    assert throttled.details == {"scope": "account"}


class StrongerHasher(FastPBKDF2PasswordHasher):
    """The same algorithm with more iterations: a password hashed before is upgraded
    when it is next checked (as after a Django upgrade raises the count)."""

    iterations = 2


def test_a_password_hash_upgraded_by_the_password_step_does_not_spend_the_link(
    officer_client, settings
):
    staff = new_handler()
    link = _link(officer_client, staff)
    settings.PASSWORD_HASHERS = ["tests.security.test_staff_enrolment_link.StrongerHasher"]
    member = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert member.post(link, {"password": PASSWORD}).status_code == 302
    shown = member.get(link)
    assert shown.status_code == 200
    assert "secret" in shown.context


def test_the_key_is_not_shown_again_without_the_password_after_a_staff_idle_time(
    officer_client, settings
):
    """A member who gave their password and left the page open (a shared computer): the
    link from the browser's history asks for the password again once a staff session
    would have ended for inactivity."""
    settings.STAFF_SESSION_IDLE_TIMEOUT = 3600
    link = _link(officer_client, new_handler())
    member = Client(HTTP_ACCEPT_LANGUAGE="en")
    with time_machine.travel(START, tick=False):
        assert member.post(link, {"password": PASSWORD}).status_code == 302
    with time_machine.travel(START + dt.timedelta(minutes=59), tick=False):
        assert "secret" in member.get(link).context
    with time_machine.travel(START + dt.timedelta(minutes=61), tick=False):
        later = member.get(link)
    assert "secret" not in later.context
    assert "Your password" in later.content.decode()


def test_a_locked_code_step_says_so_with_429_not_that_the_right_code_is_wrong(officer_client):
    """django-otp refuses every code for a while after wrong ones: the page says that,
    with the seconds left, as the staff login does, instead of calling the right code
    wrong."""
    staff = new_handler()
    link = _link(officer_client, staff)
    member = Client(HTTP_ACCEPT_LANGUAGE="en")
    with time_machine.travel(START, tick=False):
        member.post(link, {"password": PASSWORD})
        device = TOTPDevice.objects.get(user=staff)
        assert member.post(link, {"token": totp_code(device, wrong=True)}).status_code == 200
        locked = member.post(link, {"token": totp_code(device)})
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) >= 1
    text = locked.content.decode()
    assert "Too many wrong codes" in text
    assert "That code is not correct" not in text
    device.refresh_from_db()
    assert not device.confirmed


def test_a_wrong_code_on_the_link_is_audited_without_the_code(officer_client):
    staff = new_handler()
    link = _link(officer_client, staff)
    member = Client(HTTP_ACCEPT_LANGUAGE="en")
    member.post(link, {"password": PASSWORD})
    device = TOTPDevice.objects.get(user=staff)
    wrong = totp_code(device, wrong=True)
    assert member.post(link, {"token": wrong}).status_code == 200
    failed = AuditEvent.objects.get(action="staff.enrolment_code_failed")
    assert failed.target == f"otp_totp.totpdevice:{device.pk}"
    assert failed.actor_id == staff.pk
    assert wrong not in str(failed.details)
    assert not AuditEvent.objects.filter(action="staff.enrolment_completed").exists()
