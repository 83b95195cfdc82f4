"""A request to correct is verified with data other than the data in dispute (CCPA regs
§7060-7062): a detail the requester gives about the person that is the very value they
say is wrong matches the customer's record only because the record holds that wrong
value, so it does not count towards the two matched details. The same holds for the
company's own procedure under the APPI (art. 37) and the GDPR (art. 12(6))."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from rights.models import RightsRequest
from rights.requesters.matching import subject_candidates
from rights.requesters.verification import identity_match_subject
from tests.factories import ProfileFactory

from .identity_support import file_public_request

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

EMAIL = "hanako@example.com"
REASON = "Called her on the number in our records; she confirmed the request."
SELF = {
    "capacity": "self",
    "requester_name": "",
    "authority_kind": "",
    "authority_document": None,
    "kind": "correction",
    "delivery_method": "",
    "subject_email": EMAIL,
}


@pytest.fixture(autouse=True)
def _ccpa(settings):
    settings.RIGHTS_DEFAULT_REGIME = "ccpa"


@pytest.fixture
def hanako(db):
    return ProfileFactory(
        user__email=EMAIL, full_name="山田 花子", date_of_birth=dt.date(1980, 4, 1)
    ).user


def _file(capture, **changes) -> RightsRequest:
    response = file_public_request(
        Client(HTTP_ACCEPT_LANGUAGE="en"), EMAIL, capture, **(SELF | changes)
    )
    assert response.status_code == 302, response.content
    return RightsRequest.objects.get()


def test_ccpa_7060_7062_a_correction_is_not_verified_by_the_data_in_dispute(
    hanako, officer, django_capture_on_commit_callbacks
):
    """Name and date of birth are what the person says is wrong: only the e-mail counts,
    so the match needs a reason, and the record names the e-mail alone."""
    request = _file(
        django_capture_on_commit_callbacks,
        wrong_1="Name: 山田 花子",
        correct_1="山田 華子",
        wrong_2="Date of birth: 1980-04-01",
        correct_2="1980-04-02",
    )
    (candidate,) = subject_candidates(request.identity, officer)
    assert candidate.matched_details == ["email"]
    assert candidate.match_needs_reason

    with pytest.raises(ValidationError, match="two") as refused:
        identity_match_subject(request=request, subject=hanako, actor=officer)
    assert "the correction says are wrong do not count (name, date of birth)" in str(refused.value)
    request.refresh_from_db()
    assert request.subject is None

    identity_match_subject(request=request, subject=hanako, actor=officer, reason=REASON)
    request.refresh_from_db()
    assert request.subject == hanako
    assert request.identity.match_details == ["email"]


def test_ccpa_7060_7062_details_outside_the_dispute_still_count(
    hanako, officer, django_capture_on_commit_callbacks
):
    """A correction of something else (the address) is matched on every detail."""
    request = _file(
        django_capture_on_commit_callbacks,
        wrong_1="Address: 東京都千代田区千代田1-2-3",
        correct_1="東京都港区芝公園4-5-6",
    )
    identity_match_subject(request=request, subject=hanako, actor=officer)
    request.refresh_from_db()
    assert request.identity.match_details == ["email", "name", "date_of_birth"]


def test_ccpa_7060_7062_a_date_in_dispute_written_in_full_width_digits_does_not_count(
    hanako, officer, django_capture_on_commit_callbacks
):
    """Japanese input often gives digits full-width: 「１９８０／０４／０１」 names the same
    date of birth as 1980-04-01, so it is in dispute too."""
    request = _file(
        django_capture_on_commit_callbacks,
        wrong_1="生年月日：１９８０／０４／０１",
        correct_1="１９８０／０４／０２",
    )
    (candidate,) = subject_candidates(request.identity, officer)
    assert candidate.matched_details == ["email", "name"]
