"""Correction choices name the service and the record as the person knows it; stored
labels and fee notes follow the reader's language (issue 20, items 6 and 7)."""

import datetime as dt
import re

import pytest

from rights.demo import seed_fee_demo
from rights.models import RightsRequest
from tests.e2e.customer_support import customer_stepped_up
from tests.factories import InquiryFactory, ProfileFactory, ServiceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _english(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def test_correction_choice_names_the_service_and_the_page_reads_in_english(
    page, live_server, screenshot
):
    customer = ProfileFactory(user__language="ja").user
    service = ServiceFactory(code="video", name="動画サービス", name_en="Video service")
    inquiry = InquiryFactory(
        user=customer,
        service=service,
        subject="請求について",
        received_at=dt.datetime(2026, 3, 1, 10, 30, tzinfo=dt.UTC),
    )
    customer_stepped_up(page, customer.email)
    options = page.locator("select[name=target] option").all_inner_texts()
    assert any("（動画サービス・受付日時 2026年3月1日 " in text for text in options), options
    assert not any("#" in text or "番）" in text for text in options)
    screenshot("form-ja")
    page.select_option("select[name=target]", value=f"portal.inquiry|{inquiry.pk}|subject")
    page.fill("input[name=new_value]", "料金について")
    page.fill("textarea[name=details]", "件名が違います。")
    page.locator("main form button[name=step][value=review]").click()
    page.locator("main form button[name=step][value=file]").click()
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))
    request = RightsRequest.objects.get(subject=customer)

    _english(page, live_server)
    page.goto(f"/requests/{request.pk}/")
    main = page.locator("main").inner_text()
    assert "Inquiries — subject (Video service, received at 1 Mar 2026, " in main
    assert "動画サービス" not in main
    screenshot("request-en")


def test_fee_notes_in_the_reader_language(page, live_server, screenshot):
    seed_fee_demo()
    _english(page, live_server)
    page.goto("/fees/")
    table = page.locator("table.fee-table").inner_text()
    assert "Postage included" in table and "郵送料込み" not in table
    screenshot("en")
