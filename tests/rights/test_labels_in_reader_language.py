"""Labels a request stored when filed are shown in the reader's language, and the
correction form names each record's service (issue 20, items 6 and 7) and the
record by what the person knows it by, not by its database number."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from portal.kernel.models import ServiceRegistration
from rights.correctable import correctable_fields
from rights.correction import requested_changes
from rights.demo import seed_fee_demo
from rights.models import RightsRequest
from rights.summary import scope_sentence
from tests.factories import InquiryFactory, PaymentMethodFactory, ServiceFactory
from tests.intake_support import file_through_review

pytestmark = pytest.mark.django_db


RECEIVED = dt.datetime(2026, 3, 1, 10, 30, tzinfo=dt.UTC)  # 19:30 in Tokyo


def _inquiry_target(customer):
    service = ServiceFactory(code="video", name="動画サービス", name_en="Video service")
    inquiry = InquiryFactory(user=customer, service=service, received_at=RECEIVED)
    return inquiry, f"portal.inquiry|{inquiry.pk}|subject"


def _labels(customer, language):
    with translation.override(language), timezone.override("Asia/Tokyo"):
        return {t: label for t, label, _value in correctable_fields(customer)}


def test_correction_choices_name_the_service_and_the_record_as_the_person_knows_it(customer):
    inquiry, target = _inquiry_target(customer)
    registration = ServiceRegistration.objects.create(
        user=customer,
        service=inquiry.service,
        member_number="M-1024",
        plan="basic",
        started_on=dt.date(2024, 4, 1),
    )
    card = PaymentMethodFactory(user=customer, last4="4242")
    english, japanese = _labels(customer, "en"), _labels(customer, "ja")
    assert english[target].endswith("(Video service, received at 1 Mar 2026, 19:30)")
    assert japanese[target].endswith("（動画サービス・受付日時 2026年3月1日 19:30）")
    started = f"portal.serviceregistration|{registration.pk}|started_on"
    assert english[started].endswith("(Video service, member number M-1024)")
    assert japanese[started].endswith("（動画サービス・会員番号 M-1024）")
    expiry = f"portal.paymentmethod|{card.pk}|exp_month"
    assert english[expiry].endswith("(last four digits 4242)")
    # The database's numbers mean nothing to the person.
    for pk in {inquiry.pk, registration.pk, card.pk}:
        assert f"no. {pk}" not in " ".join(english.values())
    assert "番）" not in " ".join(japanese.values())


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
    assert "(Video service, received at " in page
    assert f"no. {inquiry.pk}" not in page


def test_the_fee_page_shows_each_fee_note_in_the_reader_language(client):
    seed_fee_demo()
    client.cookies["django_language"] = "en"
    page = client.get("/fees/").content.decode()
    assert "Postage included" in page and "郵送料込み" not in page
    client.cookies["django_language"] = "ja"
    page = client.get("/fees/").content.decode()
    assert "郵送料込み" in page and "Postage included" not in page
