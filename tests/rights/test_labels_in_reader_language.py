"""Labels a request stored when filed are shown in the reader's language, and the
correction form names each record's service (issue 20, items 6 and 7)."""

import pytest
from django.utils import translation

from rights.correction import requested_changes
from rights.demo import seed_fee_demo
from rights.forms import correctable_fields
from rights.models import RightsRequest
from rights.summary import scope_sentence
from tests.factories import InquiryFactory, ServiceFactory
from tests.intake_support import file_through_review

pytestmark = pytest.mark.django_db


def _inquiry_target(customer):
    service = ServiceFactory(code="video", name="動画サービス", name_en="Video service")
    inquiry = InquiryFactory(user=customer, service=service)
    return inquiry, f"portal.inquiry|{inquiry.pk}|subject"


def test_correction_choices_name_the_service_of_each_record(customer):
    inquiry, target = _inquiry_target(customer)
    with translation.override("en"):
        labels = {t: label for t, label, _value in correctable_fields(customer)}
    assert labels[target].endswith(f"(Video service, no. {inquiry.pk})")
    assert "#" not in " ".join(labels.values())
    with translation.override("ja"):
        labels = {t: label for t, label, _value in correctable_fields(customer)}
    assert "動画サービス" in labels[target]


def test_a_label_stored_in_japanese_reads_in_english(stepped_up_client, customer):
    inquiry, target = _inquiry_target(customer)
    stepped_up_client.cookies["django_language"] = "ja"
    file_through_review(
        stepped_up_client,
        "/requests/new/correction/",
        {"target": target, "new_value": "New subject", "details": "typo"},
    )
    request = RightsRequest.objects.get(subject=customer)
    change = request.scope["changes"][0]
    assert change["service"] == "video"
    assert "動画サービス" in change["label"]  # stored as the customer saw it
    with translation.override("en"):
        assert "動画サービス" not in requested_changes(request)[0].label
        assert "Video service" in scope_sentence(request.scope)
    stepped_up_client.cookies["django_language"] = "en"
    page = stepped_up_client.get(f"/requests/{request.pk}/").content.decode()
    assert "動画サービス" not in page
    assert f"(Video service, no. {inquiry.pk})" in page


def test_the_fee_page_shows_each_fee_note_in_the_reader_language(client):
    seed_fee_demo()
    client.cookies["django_language"] = "en"
    page = client.get("/fees/").content.decode()
    assert "Postage included" in page and "郵送料込み" not in page
    client.cookies["django_language"] = "ja"
    page = client.get("/fees/").content.decode()
    assert "郵送料込み" in page and "Postage included" not in page
