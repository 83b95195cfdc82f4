"""CCPA regs §7101(a): the records of consumer requests and how they were answered are
kept for at least 24 months. The retention sweep leaves a request a day short of 24 months alone,
with the person's own words, and anonymises it once the 24 months are past; the log
columns (day received, kind, status) outlive the anonymisation."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from rights.models import RetentionRule, RightsRequest
from rights.retention import jobs
from rights.services import request_submit
from tests.factories import UserFactory

from .retention_support import TODAY, at

pytestmark = pytest.mark.django_db


def _filed_on(when: dt.datetime, details: str) -> RightsRequest:
    with time_machine.travel(when, tick=False):
        customer = UserFactory()
        return request_submit(
            subject=customer, requester=customer, kind="disclosure", details=details
        )


def test_ccpa_7101_a_request_is_kept_24_months_then_anonymised():
    rule = RetentionRule.objects.get(code="request-log")
    assert rule.period_months == 24 and "§7101" in rule.statute_en
    recent = _filed_on(at(2024, 7, 2), "a day short of twenty-four months ago")
    old = _filed_on(at(2024, 6, 30), "more than twenty-four months ago")

    with time_machine.travel(TODAY, tick=False):
        jobs.run_sweep()

    recent.refresh_from_db()
    old.refresh_from_db()
    assert recent.details == "a day short of twenty-four months ago"
    assert old.details == ""
    assert (old.kind, old.status, old.received_at) == ("disclosure", "submitted", at(2024, 6, 30))
