"""The customer's "my data" page: step-up, only their own data, paging, fixed query count."""

import collections
import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.models import Recipient
from portal.kernel.registry import Category, registry, view_cache_key
from portal.records.models import UsageRecord
from rights.models import RetentionRule
from rights.services import request_submit
from tests.consent_support import recipients
from tests.factories import (
    InvoiceFactory,
    PaymentMethodFactory,
    RegistrationFactory,
    ServiceFactory,
    UsageRecordFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return ServiceFactory(code="video", name="シネマプラス", name_en="Cinema Plus")


def _usage(user, service, count, *, detail="作品を視聴"):
    now = timezone.now()
    UsageRecord.objects.bulk_create(
        UsageRecord(
            user=user,
            service=service,
            occurred_at=now - datetime.timedelta(hours=i),
            activity=UsageRecord.Activity.VIEW,
            detail=f"{detail} #{i}",
            channel=UsageRecord.Channel.APP,
        )
        for i in range(count)
    )


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/my-data/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_without_a_fresh_code_check_the_page_redirects_to_the_code_page(client, customer):
    client.force_login(customer)
    response = client.get("/my-data/")
    assert response.status_code == 302
    assert response.url == "/accounts/code/?next=%2Fmy-data%2F"


def test_the_customer_sees_their_data_and_never_another_customers(
    stepped_up_client, customer, other_customer, service
):
    customer.profile.phone = "03-5555-0123"
    customer.profile.save()
    RegistrationFactory(user=customer, service=service, member_number="M-OWN-1")
    InvoiceFactory(
        user=customer,
        service=service,
        number="INV-OWN-1",
        amount_jpy=1980,
        items=[{"name": "月額プラン", "quantity": 1, "unit_price_jpy": 1980}],
    )
    PaymentMethodFactory(user=customer, last4="1111")
    _usage(customer, service, 3, detail="自分の視聴")

    other_service = ServiceFactory(code="mobile", name="スマイルモバイル")
    RegistrationFactory(user=other_customer, service=service, member_number="M-OTHER-1")
    InvoiceFactory(user=other_customer, service=other_service, number="INV-OTHER-1")
    PaymentMethodFactory(user=other_customer, last4="9999")
    _usage(other_customer, service, 3, detail="他人の視聴")

    response = stepped_up_client.get("/my-data/")
    assert response.status_code == 200
    html = response.content.decode()
    for own in [
        customer.profile.full_name,
        customer.email,
        "03-5555-0123",
        "M-OWN-1",
        "INV-OWN-1",
        "1,980円",
        "1111",
        "自分の視聴 #0",
        "シネマプラス",
    ]:
        assert own in html, own
    for foreign in [
        other_customer.profile.full_name,
        other_customer.email,
        "M-OTHER-1",
        "INV-OTHER-1",
        "9999",
        "他人の視聴",
        "スマイルモバイル",
    ]:
        assert foreign not in html, foreign
    assert response["Cache-Control"].startswith("max-age=0")


def test_purposes_and_retention_show_as_to_be_defined_until_provided(
    stepped_up_client, customer, monkeypatch
):
    monkeypatch.setattr(registry, "_purposes_provider", None)
    monkeypatch.setattr(registry, "_retention_provider", None)
    html = stepped_up_client.get("/my-data/").content.decode()
    assert "利用目的" in html and "保存期間" in html
    assert html.count("未定") >= 2

    registry.set_purposes_provider(
        lambda category, service: ["本人確認のため"] if category == Category.IDENTITY else None
    )
    registry.set_retention_provider(
        lambda code, regime=None: "退会後3年間" if code == "account" else None
    )
    html = stepped_up_client.get("/my-data/").content.decode()
    assert "本人確認のため" in html and "退会後3年間" in html


def test_the_page_speaks_english_when_chosen(stepped_up_client, customer, service):
    _usage(customer, service, 2)
    stepped_up_client.post("/i18n/setlang/", {"language": "en", "next": "/my-data/"})
    html = stepped_up_client.get("/my-data/").content.decode()
    assert "The personal data we hold about you" in html
    assert "Usage history" in html and "Cinema Plus" in html and "Viewed content" in html
    # The retention rule of usage history, in English.
    assert "Kept for 2 years after your registration with the service ends" in html


def test_long_histories_are_paginated_per_service(stepped_up_client, customer, service):
    _usage(customer, service, 45)
    param = "p.portal.usagerecord.video"

    first = stepped_up_client.get("/my-data/").content.decode()
    assert "作品を視聴 #0" in first and "作品を視聴 #19" in first
    assert "作品を視聴 #20<" not in first
    assert f"?{param}=2#" in first

    third = stepped_up_client.get("/my-data/", {param: "3"}).content.decode()
    assert "作品を視聴 #40" in third and "作品を視聴 #44" in third
    assert "作品を視聴 #39<" not in third

    # Nonsense and out-of-range page numbers land on the first and last page.
    assert "作品を視聴 #0<" in stepped_up_client.get("/my-data/", {param: "x"}).content.decode()
    assert "作品を視聴 #44" in stepped_up_client.get("/my-data/", {param: "99"}).content.decode()


def _query_difference(first, second) -> str:
    """The statements one run made and the other did not, numbers left out."""
    shapes = [
        collections.Counter(re.sub(r"\d+", "N", q["sql"])[:300] for q in run.captured_queries)
        for run in (first, second)
    ]
    return f"only first: {list((shapes[0] - shapes[1]).elements())}; " + (
        f"only second: {list((shapes[1] - shapes[0]).elements())}"
    )


def test_the_page_runs_the_same_number_of_queries_for_10_and_1000_records(
    still_clock, stepped_up_client, customer, service
):
    RegistrationFactory(user=customer, service=service)
    InvoiceFactory(user=customer, service=service)
    PaymentMethodFactory(user=customer)
    _usage(customer, service, 10)
    stepped_up_client.get("/my-data/")  # warm up session and caches
    cache.delete(view_cache_key(customer.pk))  # rendered, not read from the cache

    with CaptureQueriesContext(connection) as with_10:
        assert stepped_up_client.get("/my-data/").status_code == 200

    _usage(customer, service, 990, detail="追加")
    assert UsageRecord.objects.filter(user=customer).count() == 1000
    cache.delete(view_cache_key(customer.pk))
    with CaptureQueriesContext(connection) as with_1000:
        response = stepped_up_client.get("/my-data/")
    assert response.status_code == 200
    assert "1,000" in response.content.decode()

    assert len(with_10) == len(with_1000), _query_difference(with_10, with_1000)
    # The usage history costs one count and one page query, whatever its length.
    usage_queries = [q for q in with_1000.captured_queries if "portal_usagerecord" in q["sql"]]
    assert len(usage_queries) == 2


def test_a_customer_with_only_a_profile_sees_just_the_account_group(stepped_up_client, customer):
    html = stepped_up_client.get("/my-data/").content.decode()
    assert customer.profile.full_name in html
    assert 'id="account"' in html and 'id="service-' not in html
    UsageRecordFactory(user=customer)
    assert 'id="service-' in stepped_up_client.get("/my-data/").content.decode()


def test_a_requests_scope_is_a_sentence_in_the_readers_language(stepped_up_client, customer):
    """The requests section shows what each request asked for, never the stored dict."""
    recipients()
    delivery = Recipient.objects.get(name_ja__startswith="やまと")
    request_submit(
        subject=customer,
        requester=customer,
        kind="stop_provision",
        scope={"recipients": [delivery.pk]},
    )
    request_submit(subject=customer, requester=customer, kind="disclosure", scope={})

    stepped_up_client.post("/i18n/setlang/", {"language": "en", "next": "/my-data/"})
    html = stepped_up_client.get("/my-data/").content.decode()

    assert "{&#x27;" not in html and "{}" not in html
    assert "For these recipients: Yamato Delivery Co., Ltd." in html
    assert "The data chosen in the request." in html


def _history(customer, service, records):
    """``records`` records in every source a customer usually has rows in."""
    RegistrationFactory(user=customer, service=service)
    PaymentMethodFactory(user=customer)
    InvoiceFactory.create_batch(min(records, 30), user=customer, service=service)
    _usage(customer, service, records)


@pytest.mark.parametrize("records", [1, 1000])
def test_the_page_runs_at_most_15_queries_at_1_and_1000_records_per_source(
    stepped_up_client, customer, service, records, django_assert_max_num_queries
):
    """The purposes, recipients and retention texts come from the cache, the counts
    of every source from one query: a constant, small number of queries."""
    recipients()
    _history(customer, service, records)
    assert stepped_up_client.get("/my-data/").status_code == 200  # fills the texts cache
    with django_assert_max_num_queries(15):
        response = stepped_up_client.get("/my-data/")
    assert response.status_code == 200
    assert "やまと配送株式会社" in response.content.decode()


def test_a_changed_recipient_or_retention_rule_shows_at_once(stepped_up_client, customer):
    """The cached texts are keyed by the tables' generation: an edit is seen on the
    next page, in every process."""
    delivery = recipients()["delivery"]
    assert "やまと配送株式会社" in stepped_up_client.get("/my-data/").content.decode()

    delivery.name_ja = "やまと急便株式会社"
    delivery.save()
    html = stepped_up_client.get("/my-data/").content.decode()
    assert "やまと急便株式会社" in html and "やまと配送株式会社" not in html

    delivery.purposes.clear()
    assert "やまと急便株式会社" not in stepped_up_client.get("/my-data/").content.decode()

    rule = RetentionRule.objects.get(code="account")
    rule.period_years = 9
    rule.save()
    assert "9年" in stepped_up_client.get("/my-data/").content.decode()


def test_the_census_has_a_version_of_the_data_only_where_rows_have_versions(customer, service):
    """On SQLite nothing tells a changed row from an unchanged one: no version, and
    "my data" is rendered afresh every time (tests/test_my_data_cache.py on PostgreSQL)."""
    _usage(customer, service, 3)
    census = registry.census(customer)
    assert census.counts == registry.service_counts(customer)
    assert census.counts["portal.usagerecord"] == {"video": 3}
    assert (census.version is not None) == (connection.vendor == "postgresql")


def test_a_tables_caption_names_its_records_and_their_kind_once_each(
    stepped_up_client, customer, service
):
    """A screen reader read 「利用履歴 — 利用履歴」 where the records and their kind of
    data are called the same; where they differ it reads both. The service follows, as
    every service has tables of the same names."""
    RegistrationFactory(user=customer, service=service)
    _usage(customer, service, 2, detail="視聴")
    stepped_up_client.cookies["django_language"] = "ja"
    html = stepped_up_client.get("/my-data/").content.decode()
    captions = re.findall(r'<caption id="[^"]+" class="visually-hidden">([^<]+)</caption>', html)
    assert f"利用履歴 — {service.name}" in captions, captions
    assert all(" — " not in c or c.split(" — ")[0] != c.split(" — ")[1] for c in captions)
    assert any(" — " in c for c in captions), captions
