"""A correction received by letter or phone (APPI art. 34) is entered with its items in
the person's words, as on the form without an account, and decided on the working
page like one: it was entered with no item, and nothing could decide it."""

import pytest
from django.core.exceptions import ValidationError

from portal.kernel.models import Profile
from rights import workflow
from rights.choices import Kind, Status
from rights.models import RightsRequest
from tests.factories import ProfileFactory

from .staff_entry_support import ENTER, entered_from_a_letter, entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(db):
    return ProfileFactory(user__language="en", address="1-2-3 Chiyoda, Tokyo").user


def _entry(customer, **overrides):
    fields = {
        "kind": "correction",
        "delivery_method": "",
        "details": "Letter: my address is wrong.",
    }
    return entry(customer, **{**fields, **overrides})


def test_a_correction_entered_without_an_item_is_refused(officer_client, customer):
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(ENTER, _entry(customer))
    assert response.status_code == 200
    assert "Say which item is wrong" in response.content.decode()
    assert not RightsRequest.objects.exists()


def test_the_service_refuses_a_correction_that_names_nothing(customer, officer):
    with pytest.raises(ValidationError):
        entered_from_a_letter(customer, officer, kind=Kind.CORRECTION, delivery_method="")
    assert not RightsRequest.objects.exists()


def test_a_correction_entered_by_staff_is_decided_on_the_working_page(
    officer_client, officer, customer, django_capture_on_commit_callbacks
):
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(
        ENTER,
        _entry(customer, wrong_1="Address: 1-2-3 Chiyoda, Tokyo", correct_1="4-5-6 Minato, Tokyo"),
    )
    assert response.status_code == 302, response.content.decode()
    request = RightsRequest.objects.get()
    assert request.scope["stated_changes"] == [
        {"wrong": "Address: 1-2-3 Chiyoda, Tokyo", "correct": "4-5-6 Minato, Tokyo"}
    ]
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    targets = [t for t, _label in page.context["correction_targets"]]
    address = next(t for t in targets if t.endswith("|address"))
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(
            f"/admin/rights/rightsrequest/{request.pk}/correction/stated/",
            {
                "decision": "apply",
                "target_0": address,
                "value_0": "4-5-6 Minato, Tokyo",
                "confirm": "1",
            },
        )
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert Profile.objects.get(user=customer).address == "4-5-6 Minato, Tokyo"
