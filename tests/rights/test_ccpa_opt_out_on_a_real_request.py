"""CCPA regs §7026(f) and §7027(g): a request to opt out of sale or sharing, or to limit
the use of sensitive personal information, is acted on within 15 business days of
receipt. On a real request filed under the CCPA, the deadline it carries is that day,
not the 45 calendar days of a request to know or to delete, and it cannot be extended."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from rights.choices import Kind, Regime
from rights.services import request_extend, request_submit

pytestmark = pytest.mark.django_db

# Wed 18 Nov 2026, 10:00 in California: Thanksgiving (26th), the day after and three
# weekends skipped, the 15th business day is Fri 11 Dec; the 45th calendar day, 2 Jan.
RECEIVED = dt.datetime(2026, 11, 18, 18, tzinfo=dt.UTC)
SCOPES = {Kind.STOP_PROVISION: {"recipients": []}, Kind.STOP_USE: {"purposes": ["marketing"]}}


@pytest.mark.parametrize("kind", [Kind.STOP_PROVISION, Kind.STOP_USE])
def test_ccpa_7026_f_7027_g_an_opt_out_or_limit_is_due_in_15_business_days(customer, officer, kind):
    with time_machine.travel(RECEIVED, tick=False):
        request = request_submit(
            subject=customer,
            requester=customer,
            kind=kind,
            regime=Regime.CCPA,
            scope=SCOPES[kind],
        )
        with pytest.raises(ValidationError, match="15 business days"):
            request_extend(
                request=request,
                new_deadline=request.due_at + dt.timedelta(days=10),
                reason="Many partners to tell",
                actor=officer,
            )
    with timezone.override(request.zone):
        assert timezone.localdate(request.due_at) == dt.date(2026, 12, 11)
    request.refresh_from_db()
    assert request.extended_to is None
