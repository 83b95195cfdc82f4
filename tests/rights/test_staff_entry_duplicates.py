"""A request entered by staff beside an open one of the same kind and scope.

Staff entering a letter for a customer who already had the same request open
filed a second one without a word, where the customer's own form shows the
open one first. The entry form now shows the open requests, each linked to its
working page, and files only when "File anyway" is ticked.
"""

import re

import pytest

from rights.choices import Kind
from rights.models import RightsRequest
from rights.services import DuplicateRequest, request_submit

from .staff_entry_support import (  # noqa: F401
    ENTER,
    customer_fixture,
    entered_from_a_letter,
    entry,
    fibre_fixture,
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


def _staff_request(user, language="en"):
    """An admin request from ``user``, for the entry view's own helpers."""
    from django.test import RequestFactory

    request = RequestFactory().get(ENTER, HTTP_ACCEPT_LANGUAGE=language)
    request.user = user
    return request


def _duplicates_page(user, duplicates, language="en"):
    """The entry form as the view draws it for ``user`` after ``duplicates`` were found."""
    from django.contrib import admin
    from django.template.loader import render_to_string
    from django.utils import translation

    from rights.requesters.staff_forms import StaffEntryForm

    request = _staff_request(user)
    context = admin.site._registry[RightsRequest].duplicates_context(request, duplicates)
    with translation.override(language):
        page = render_to_string(
            "admin/rights/rightsrequest/enter.html",
            {"form": StaffEntryForm(), "opts": RightsRequest._meta, **context},
            request=request,
        )
    return context, page


@pytest.fixture
def two_services_open(customer, mobile, fibre):
    """The customer's open disclosures: one about mobile, one about fibre."""
    return [
        request_submit(
            subject=customer, requester=customer, kind=Kind.DISCLOSURE, services=[service]
        )
        for service in (mobile, fibre)
    ]


@pytest.mark.parametrize(
    ("language", "count"),
    [
        ("en", "1 more open request of the same kind and scope that you may not open"),
        ("ja", "ほかに、あなたが開けない同じ種類・範囲の未完了の請求が1件あります"),
    ],
)
def test_a_handler_is_shown_only_the_duplicates_they_may_open(
    handler, mobile, two_services_open, language, count
):
    """A handler works on the requests of their services only (the staff access
    policy, APPI art. 23 security): an open duplicate outside them is counted,
    never described, and its id is not in the page."""
    mobile.handlers.add(handler)
    theirs, other = two_services_open

    context, page = _duplicates_page(handler, two_services_open, language)

    assert context["duplicates"] == [theirs]
    assert theirs.reference in page
    assert other.reference not in page
    assert f"/{other.pk}/change/" not in page
    assert count in re.sub(r"\s+", " ", page)
    assert 'name="file_anyway"' in page


def test_an_officer_is_shown_every_duplicate(officer, two_services_open):
    context, page = _duplicates_page(officer, two_services_open)

    assert context["duplicates"] == two_services_open
    assert all(duplicate.reference in page for duplicate in two_services_open)
    assert "may not open" not in page


def test_the_others_are_confirmed_by_the_sealed_list_only_when_ticked(
    handler, customer, mobile, two_services_open
):
    """The tick still covers every duplicate: the ones not shown through a sealed
    list of their ids, which a changed value cannot stand in for."""
    from rights.requesters.staff_forms import StaffEntryForm

    mobile.handlers.add(handler)
    theirs, other = two_services_open
    context, _page = _duplicates_page(handler, two_services_open)
    fields = _entry(
        customer,
        mobile,
        file_beside=str(theirs.pk),
        file_beside_others=context["duplicates_sealed"],
    )

    unticked = StaffEntryForm(fields)
    ticked = StaffEntryForm({**fields, "file_anyway": "on"})
    forged = StaffEntryForm({**fields, "file_anyway": "on", "file_beside_others": str(other.pk)})

    assert unticked.is_valid() and ticked.is_valid() and forged.is_valid()
    assert unticked.confirmed_duplicates() == set()
    assert ticked.confirmed_duplicates() == {theirs.pk, other.pk}
    assert forged.confirmed_duplicates() == {theirs.pk}


def test_a_duplicate_is_described_in_japanese_punctuation_and_its_own_zone(
    officer_client, customer, mobile, open_disclosure
):
    """The line read 「(受付済み、2026年12月5日受付)」: half-width brackets, and a day
    whose zone was not said. A day in another zone than the reader's names it."""
    officer_client.cookies["django_language"] = "ja"
    tokyo = officer_client.post(ENTER, _entry(customer, mobile)).content.decode()
    assert f"{open_disclosure.reference}</a>（受付済み・" in tokyo
    assert "(受付済み" not in tokyo and "（日本時間）受付）" not in tokyo

    RightsRequest.objects.filter(pk=open_disclosure.pk).update(
        regime="gdpr", time_zone="Europe/Berlin"
    )
    berlin = officer_client.post(ENTER, _entry(customer, mobile, regime="gdpr")).content.decode()
    assert "（欧州中部時間）受付）" in berlin or "（欧州中部夏時間）受付）" in berlin
