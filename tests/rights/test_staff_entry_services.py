"""A request entered by staff (letter, phone, counter) names the services it concerns,
as the customer's forms do: none chosen means all of the customer's services."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.kernel.roles import SERVICE_HANDLER
from rights.models import RightsRequest
from rights.requesters.staff_entry import staff_request_enter
from tests.rights.conftest import make_staff

from .staff_entry_support import (  # noqa: F401
    ENTER,
    customer_fixture,
    entry,
    fibre_fixture,
    mobile_fixture,
    otp_verified,
    video_fixture,
)

pytestmark = pytest.mark.django_db


def test_the_entry_form_offers_the_services(officer_client, mobile, fibre, video):
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get(ENTER).content.decode()
    assert 'name="services"' in page
    for service in (mobile, fibre, video):
        assert f'value="{service.pk}"' in page
        assert service.name_en in page


def test_a_disclosure_entered_by_staff_concerns_the_services_chosen(
    officer_client, customer, mobile, fibre
):
    response = officer_client.post(ENTER, entry(customer, services=[str(mobile.pk)]))
    assert response.status_code == 302, response.context["form"].errors
    filed = RightsRequest.objects.get()
    assert list(filed.services.all()) == [mobile]


def test_none_chosen_means_all_of_the_customers_services(officer_client, customer, mobile):
    response = officer_client.post(ENTER, entry(customer))
    assert response.status_code == 302, response.context["form"].errors
    assert not RightsRequest.objects.get().services.exists()


def test_a_deletion_entered_by_staff_may_name_only_services(
    officer_client, customer, mobile, fibre
):
    """As on the customer's form: with no kind of data chosen, every kind in the
    services chosen is deleted."""
    fields = entry(customer, kind="deletion", delivery_method="", services=[str(fibre.pk)])
    response = officer_client.post(ENTER, fields)
    assert response.status_code == 302, response.context["form"].errors
    filed = RightsRequest.objects.get()
    assert list(filed.services.all()) == [fibre]
    assert (filed.categories, filed.scope) == ([], {"everything": False})


def test_a_deletion_of_everything_names_no_service(officer_client, customer, mobile):
    officer_client.cookies["django_language"] = "en"
    fields = entry(
        customer, kind="deletion", delivery_method="", everything="on", services=[str(mobile.pk)]
    )
    response = officer_client.post(ENTER, fields)
    assert response.status_code == 200
    assert response.context["form"].errors["everything"] == [
        "Choose either everything, or the items below."
    ]
    assert not RightsRequest.objects.exists()


def test_a_service_the_customer_is_not_registered_with_is_refused_by_name(
    officer_client, customer, mobile, video
):
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(ENTER, entry(customer, services=[str(mobile.pk), str(video.pk)]))
    assert response.status_code == 200
    assert response.context["form"].errors["services"] == [
        "The customer is not registered with Video."
    ]
    assert "The customer is not registered with Video." in response.content.decode()
    assert not RightsRequest.objects.exists()


def test_the_refusal_is_in_japanese_for_japanese_staff(officer_client, customer, video):
    officer_client.cookies["django_language"] = "ja"
    response = officer_client.post(ENTER, entry(customer, services=[str(video.pk)]))
    assert response.status_code == 200
    assert f"このお客様は「{video.name}」に登録されていません。" in response.content.decode()
    assert not RightsRequest.objects.exists()


def test_a_handler_is_offered_only_the_services_they_handle(client, customer, mobile, fibre):
    handler = make_staff(SERVICE_HANDLER)
    mobile.handlers.add(handler)
    client.force_login(handler)
    otp_verified(client, handler)
    form = client.get(ENTER).context["form"]
    assert list(form.fields["services"].queryset) == [mobile]
    response = client.post(ENTER, entry(customer, services=[str(fibre.pk)]))
    assert response.status_code == 200
    assert "services" in response.context["form"].errors
    assert not RightsRequest.objects.exists()


def test_the_service_refuses_a_service_the_customer_is_not_registered_with(
    officer, customer, mobile, video
):
    """The guard is in the service too, for any path that enters a request."""
    with pytest.raises(ValidationError) as refused:
        staff_request_enter(
            subject=customer,
            kind="disclosure",
            channel="phone",
            received_on=timezone.localdate(),
            regime="appi",
            delivery_method="paper",
            services=[mobile, video],
            actor=officer,
        )
    assert refused.value.messages == ["The customer is not registered with Video."]
    assert not RightsRequest.objects.exists()
