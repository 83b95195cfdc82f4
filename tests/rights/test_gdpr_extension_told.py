"""GDPR art. 12(3): the answer may be put off by at most two further months, and the
person is told of the extension within the first month, with the reasons. On a real
request: the extension mails the person its reason and the new date; one asked after the
first month is refused, and nothing changes and nobody is told."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from rights.choices import EventKind, Regime
from rights.services import request_extend
from tests.formats_support import shown_date

pytestmark = pytest.mark.django_db

RECEIVED = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
REASON = "Your data sits in five systems, two of them archived"


@pytest.fixture
def request_(customer, file_request):
    customer.language = "en"
    customer.save(update_fields=["language"])
    with time_machine.travel(RECEIVED, tick=False):
        request = file_request(customer, regime=Regime.GDPR)
    mail.outbox.clear()
    return request


def test_gdpr_art_12_3_the_extension_is_told_within_the_first_month_with_its_reasons(
    request_, customer, officer, django_capture_on_commit_callbacks
):
    first_due = request_.due_at
    with (
        time_machine.travel(RECEIVED + dt.timedelta(days=20), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        request = request_extend(
            request=request_,
            new_deadline=first_due + dt.timedelta(days=45),
            reason=REASON,
            actor=officer,
        )
    assert request.due_at > first_due
    (sent,) = [m for m in mail.outbox if m.to == [customer.email] and REASON in m.body]
    with timezone.override(request.zone):
        assert shown_date(request.due_at, "en") in sent.body
    (event,) = request.events.filter(kind=EventKind.EXTENSION)
    assert event.reason == REASON


def test_gdpr_art_12_3_no_extension_after_the_first_month(
    request_, officer, django_capture_on_commit_callbacks
):
    first_due = request_.due_at
    with (
        time_machine.travel(first_due + dt.timedelta(days=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError, match="first period"),
    ):
        request_extend(
            request=request_,
            new_deadline=first_due + dt.timedelta(days=45),
            reason=REASON,
            actor=officer,
        )
    request_.refresh_from_db()
    assert request_.due_at == first_due and request_.extended_to is None
    assert not request_.events.filter(kind=EventKind.EXTENSION).exists()
    assert not [m for m in mail.outbox if REASON in m.body]
