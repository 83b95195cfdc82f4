"""A code mailed late (the mail queue was slow, a retry after an SMTP error) says how long
it is still valid, not the full validity it had when it was made: a requester told "10
minutes" by a mail that arrived after 8 would find it refused two minutes later with no
reason they could see. A code already expired is not mailed at all."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from rights.requesters.public_form import email_confirmation_start
from rights.tasks import send_request_code

pytestmark = pytest.mark.django_db


def _mailed_after(minutes: float, *, language: str = "en"):
    confirmation = email_confirmation_start(email="carter@example.com", language=language)
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=False):
        send_request_code(confirmation.pk)
    return mail.outbox


def test_a_code_mailed_on_time_gives_its_full_validity(settings):
    settings.OTP_EMAIL_TOKEN_VALIDITY = 600
    (message,) = _mailed_after(0)
    assert "valid for 10 minutes" in message.body


def test_a_code_mailed_late_gives_the_minutes_left(settings):
    settings.OTP_EMAIL_TOKEN_VALIDITY = 600
    (message,) = _mailed_after(8.5)
    assert "valid for 2 minutes" in message.body
    assert "10 minutes" not in message.body


def test_a_code_mailed_late_in_japanese(settings):
    settings.OTP_EMAIL_TOKEN_VALIDITY = 600
    (message,) = _mailed_after(9.5, language="ja")
    assert "1分" in message.body
    assert "10分" not in message.body


def test_an_expired_code_is_not_mailed(settings):
    settings.OTP_EMAIL_TOKEN_VALIDITY = 600
    assert _mailed_after(10.5) == []
