"""The review page before filing says only what is true of the request.

A deletion cannot be undone once carried out; a stop of use or of provision can:
it stays in force until the person asks us to lift it (APPI art. 35; GDPR arts.
18, 21). A customer registered with no service is not told the request covers
"every service you use with us".
"""

import pytest
from django.utils import translation

from rights.models import RightsRequest
from rights.summary import summary_of
from tests.consent_support import recipients
from tests.factories import ProfileFactory, RegistrationFactory, ServiceFactory
from tests.intake_support import file_through_review, is_review

pytestmark = pytest.mark.django_db

DELETION_FINAL = "Once we have carried it out, a deletion cannot be undone."
STOP_USE_LIFTED = "we stop using your data as asked until you ask us to lift the stop"
STOP_PROVISION_LIFTED = (
    "we stop providing your data to others as asked until you ask us to lift the stop"
)


@pytest.fixture
def customer(db):
    return ProfileFactory(user__language="en").user


@pytest.fixture
def stepped_up_client(stepped_up_client):
    stepped_up_client.cookies["django_language"] = "en"
    return stepped_up_client


def _review(client, kind, data, language="en"):
    client.cookies["django_language"] = language
    response = client.post(f"/requests/new/{kind}/", data)
    assert is_review(response)
    return response.content.decode()


def test_appi_art_35_a_deletion_is_said_to_be_final(stepped_up_client):
    text = _review(stepped_up_client, "deletion", {"everything": "on"})
    assert DELETION_FINAL in text
    assert "lift the stop" not in text


def test_appi_art_35_a_stop_of_use_is_not_said_to_be_final(stepped_up_client):
    text = _review(stepped_up_client, "stop_use", {"purposes": ["marketing"], "details": "x"})
    assert "cannot be undone" not in text
    assert STOP_USE_LIFTED in text


def test_appi_art_35_3_a_stop_of_provision_is_not_said_to_be_final(stepped_up_client):
    recipient = recipients()["delivery"]
    text = _review(
        stepped_up_client, "stop_provision", {"recipients": [str(recipient.pk)], "details": "x"}
    )
    assert "cannot be undone" not in text
    assert STOP_PROVISION_LIFTED in text


def test_the_japanese_review_says_the_same(stepped_up_client):
    deletion = _review(stepped_up_client, "deletion", {"everything": "on"}, "ja")
    assert "削除は、実施した後は元に戻せません。" in deletion
    stop = _review(stepped_up_client, "stop_use", {"purposes": ["marketing"], "details": "x"}, "ja")
    assert "元に戻せません" not in stop
    assert "停止の解除をお申し出いただくまで" in stop


def test_a_customer_with_no_service_is_not_told_of_services_they_use(stepped_up_client):
    text = _review(stepped_up_client, "disclosure", {"delivery_method": "electronic"})
    assert "Every service you use with us." not in text
    assert "All our services (you are not registered with any of them)." in text
    ja = _review(stepped_up_client, "disclosure", {"delivery_method": "electronic"}, "ja")
    assert "当社のすべてのサービス（お客様が登録しているサービスはありません）。" in ja


def test_a_customer_with_a_service_reads_every_service_they_use(stepped_up_client, customer):
    RegistrationFactory(user=customer, service=ServiceFactory())
    text = _review(stepped_up_client, "disclosure", {"delivery_method": "electronic"})
    assert "Every service you use with us." in text


def test_the_filed_request_of_a_customer_with_no_service_says_the_same(stepped_up_client, customer):
    response = file_through_review(
        stepped_up_client, "/requests/new/deletion/", {"categories": ["contact"]}
    )
    assert response.status_code == 302
    filed = RightsRequest.objects.get(subject=customer)
    with translation.override("en"):
        assert summary_of(filed).services == (
            "All our services (you are not registered with any of them)."
        )
