"""A request entered by staff beside an open one of the same kind and scope.

Staff entering a letter for a customer who already had the same request open
filed a second one without a word, where the customer's own form shows the
open one first. The entry form now shows the open requests, each linked to its
working page, and files only when "File anyway" is ticked.
"""

import pytest

from rights.choices import Kind
from rights.models import RightsRequest
from rights.services import DuplicateRequest, request_submit

from .staff_entry_support import (  # noqa: F401
    ENTER,
    customer_fixture,
    entered_from_a_letter,
    entry,
    mobile_fixture,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_disclosure(customer, mobile):
    """The customer's own disclosure request about their mobile contract, still open."""
    return request_submit(
        subject=customer,
        requester=customer,
        kind=Kind.DISCLOSURE,
        services=[mobile],
        delivery_method="paper",
    )


def _entry(customer, mobile, **overrides):
    return entry(customer, **{"services": [str(mobile.pk)], **overrides})


def test_the_entry_form_shows_the_open_request_and_files_nothing(
    officer_client, customer, mobile, open_disclosure
):
    officer_client.cookies["django_language"] = "en"

    response = officer_client.post(ENTER, _entry(customer, mobile))

    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/admin/rights/rightsrequest/{open_disclosure.pk}/change/"' in page
    assert open_disclosure.reference in page
    assert 'name="file_anyway"' in page and "File anyway" in page
    assert f'name="file_beside" value="{open_disclosure.pk}"' in page
    assert RightsRequest.objects.count() == 1


def test_ticking_file_anyway_files_the_request_beside_it(
    officer_client, customer, mobile, open_disclosure
):
    shown = {"file_beside": str(open_disclosure.pk)}

    unticked = officer_client.post(ENTER, _entry(customer, mobile, **shown))
    ticked = officer_client.post(ENTER, _entry(customer, mobile, file_anyway="on", **shown))

    assert unticked.status_code == 200
    assert ticked.status_code == 302, ticked.context["form"].errors
    assert RightsRequest.objects.count() == 2


def test_the_tick_covers_the_requests_shown_not_one_filed_since(
    officer_client, customer, mobile, open_disclosure
):
    """Ticked with nothing shown (or before another was filed): shown again, not filed."""
    response = officer_client.post(ENTER, _entry(customer, mobile, file_anyway="on"))

    assert response.status_code == 200
    assert f"/admin/rights/rightsrequest/{open_disclosure.pk}/change/" in response.content.decode()
    assert RightsRequest.objects.count() == 1


def test_another_kind_is_entered_at_once(officer_client, customer, mobile, open_disclosure):
    response = officer_client.post(
        ENTER,
        _entry(customer, mobile, kind="purpose_notice", services=[], details="Letter."),
    )

    assert response.status_code == 302, response.context["form"].errors
    assert RightsRequest.objects.count() == 2


def test_the_japanese_form_asks_in_japanese(officer_client, customer, mobile, open_disclosure):
    officer_client.cookies["django_language"] = "ja"

    page = officer_client.post(ENTER, _entry(customer, mobile)).content.decode()

    assert "同じ種類・範囲の未完了の請求" in page
    assert "重複を承知で登録する" in page


def test_the_service_refuses_a_duplicate_unless_confirmed(customer, mobile, officer):
    first = entered_from_a_letter(customer, officer, services=[mobile])
    with pytest.raises(DuplicateRequest) as caught:
        entered_from_a_letter(customer, officer, services=[mobile])
    assert caught.value.duplicates == [first]

    second = entered_from_a_letter(
        customer, officer, services=[mobile], confirmed_duplicates={first.pk}
    )

    assert second.pk != first.pk
