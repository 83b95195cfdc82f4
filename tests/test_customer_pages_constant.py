"""Every page a customer opens costs the same queries with one record as with a thousand.

The customer's history (usage, invoices, consents, requests) grows for years;
no page may read it whole or ask once per record. Each page is opened with
one record of each kind and again with a thousand, and must run the same
number of queries.
"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.models import ConsentRecord
from portal.kernel.registry import view_cache_key
from portal.records.models import UsageRecord
from rights import deadlines
from rights.models import RightsRequest
from tests.consent_support import purpose, recipients
from tests.factories import InvoiceFactory, RegistrationFactory, ServiceFactory

pytestmark = pytest.mark.django_db

PAGES = ["/", "/account/", "/my-data/", "/consent/", "/requests/", "/requests/new/", "/privacy/"]


def _history(customer, service, n: int) -> None:
    now = timezone.now()
    UsageRecord.objects.bulk_create(
        UsageRecord(
            user=customer,
            service=service,
            occurred_at=now - dt.timedelta(minutes=i + 1),
            activity=UsageRecord.Activity.VIEW,
            detail=f"視聴 {i}",
            channel=UsageRecord.Channel.APP,
        )
        for i in range(n)
    )
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            subject=customer,
            purpose=purpose("marketing"),
            action=ConsentRecord.Action.WITHDRAWN if i % 2 else ConsentRecord.Action.GRANTED,
            method=ConsentRecord.Method.DASHBOARD,
            created_at=now - dt.timedelta(days=365, minutes=i),
        )
        for i in range(n)
    )
    RightsRequest.objects.bulk_create(
        RightsRequest(
            subject=customer,
            requester=customer,
            kind="disclosure",
            status="completed",
            received_at=now - dt.timedelta(days=400, minutes=i),
            due_at=deadlines.due_at("appi", now - dt.timedelta(days=400, minutes=i)),
            closed_at=now - dt.timedelta(days=390, minutes=i),
        )
        for i in range(n)
    )
    InvoiceFactory.create_batch(min(n, 30), user=customer, service=service)


def _count(client, page: str) -> int:
    # "My data" rendered, not read from the cache of unchanged data
    # (tests/test_my_data_cache.py): a thousand new rows would miss it anyway.
    cache.delete(view_cache_key(client.session["_auth_user_id"]))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    return len(queries)


def test_every_customer_page_costs_the_same_at_1_and_1000_records(
    still_clock, stepped_up_client, customer
):
    recipients()
    service = ServiceFactory(code="video")
    RegistrationFactory(user=customer, service=service)
    _history(customer, service, 1)
    for page in PAGES:
        _count(stepped_up_client, page)  # warm up: session, caches
    small = {page: _count(stepped_up_client, page) for page in PAGES}
    _history(customer, service, 999)
    large = {page: _count(stepped_up_client, page) for page in PAGES}
    assert large == small
