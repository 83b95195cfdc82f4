"""APPI art. 35(2), (4) and (6), provisos: a measure instead of stopping is allowed only
where stopping would be very costly or otherwise difficult, so the person is told why.
Staff choosing an alternative measure must give both the measure and the reason that
stopping is not done; without either, nothing changes and nobody is told."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from consent import services as consent
from consent.models import ConsentRecord, ProcessingRestriction
from rights import stop_decisions
from rights.choices import Kind, Status
from rights.models import RequestNotification
from rights.workflow import transition
from tests.consent_support import purpose

pytestmark = pytest.mark.django_db

MEASURE = "Your data is kept out of every campaign list by hand."
REASON = "Stopping the shared mailing system would cost out of all proportion."


@pytest.fixture
def stop_marketing(customer, officer, file_request):
    consent.consent_update(
        subject=customer,
        choices={purpose("marketing"): True},
        method=ConsentRecord.Method.DASHBOARD,
    )
    request = file_request(customer, kind=Kind.STOP_USE, scope={"purposes": ["marketing"]})
    transition(request, to=Status.IN_REVIEW, actor=officer)
    return request


@pytest.mark.parametrize(
    ("measure", "reason", "words"),
    [(MEASURE, "", "Say why"), ("", REASON, "Describe the alternative measure")],
)
def test_appi_art_35_2_an_alternative_measure_needs_the_measure_and_why_stopping_is_not_done(
    stop_marketing, officer, measure, reason, words
):
    with pytest.raises(ValidationError, match=words):
        stop_decisions.stop_decide(
            request=stop_marketing,
            decisions={"purpose:marketing": "alternative"},
            measure=measure,
            reason=reason,
            actor=officer,
        )
    stop_marketing.refresh_from_db()
    assert stop_marketing.status == Status.IN_REVIEW
    assert not ProcessingRestriction.objects.exists()
    assert not RequestNotification.objects.filter(
        request=stop_marketing, kind="partially_completed"
    ).exists()
