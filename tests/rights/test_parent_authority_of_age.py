"""A parent acts for a minor only (APPI art. 37): once the person the request is about
is of age, by the matched customer's date of birth, a parent's authority cannot be
verified. The officer's page warns of it; the rule holds on every path that verifies."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from rights.choices import Status
from rights.requesters.models import Capacity, VerificationStatus
from rights.requesters.verification import identity_match_subject, identity_verify
from tests.factories import ProfileFactory

from .identity_support import parents_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


def _request(capacity, *, told_born):
    return parents_request(capacity=capacity, born=told_born)


def _customer(born):
    return ProfileFactory(
        user__email="kenta@example.com", full_name="Kenta Yamada", date_of_birth=born
    ).user


@time_machine.travel(NOW)
def test_a_parent_is_not_verified_for_a_customer_of_age(officer):
    """APPI art. 37: the parent wrote a minor's date of birth, our record shows an adult."""
    request = _request(Capacity.PARENT, told_born=dt.date(2012, 1, 1))
    identity_match_subject(request=request, subject=_customer(dt.date(1990, 1, 1)), actor=officer)

    with pytest.raises(ValidationError, match="come of age"):
        identity_verify(request=request, actor=officer, note="Documents look fine.")

    request.refresh_from_db()
    assert request.identity.verification == VerificationStatus.PENDING
    assert request.status == Status.AWAITING_VERIFICATION


@time_machine.travel(NOW)
def test_a_parent_is_verified_for_a_minor(officer):
    request = _request(Capacity.PARENT, told_born=dt.date(2014, 6, 1))
    identity_match_subject(request=request, subject=_customer(dt.date(2014, 6, 1)), actor=officer)

    identity_verify(request=request, actor=officer, note="Koseki shows the child.")

    request.refresh_from_db()
    assert request.identity.verification == VerificationStatus.VERIFIED
    assert request.status == Status.IN_REVIEW


@time_machine.travel(NOW)
def test_a_guardian_of_an_adult_is_verified(officer):
    """APPI art. 37: an adult ward's guardian represents an adult."""
    request = _request(Capacity.GUARDIAN, told_born=dt.date(1950, 1, 1))
    identity_match_subject(request=request, subject=_customer(dt.date(1950, 1, 1)), actor=officer)

    identity_verify(request=request, actor=officer, note="Certificate of guardianship.")

    request.refresh_from_db()
    assert request.identity.verification == VerificationStatus.VERIFIED
