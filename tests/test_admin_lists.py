"""Change lists of large tables: a date range instead of a date hierarchy, a capped count.

A date hierarchy groups the whole table to draw its links and Django's
paginator counts every row: both grow with the table. These lists run the
same queries at one row and at a thousand, never count past the cap, and
filter on two dates the staff type.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.models import ConsentRecord
from portal.kernel.admin_lists import CappedCountPaginator
from portal.kernel.models import User
from rights import deadlines
from rights.choices import FeeBasis, PaymentStatus
from rights.models import Payment, RightsRequest
from tests.consent_support import purpose

pytestmark = pytest.mark.django_db

CONSENTS = "/admin/consent/consentrecord/"
USERS = "/admin/portal/user/"
PAYMENTS = "/admin/rights/payment/"


def _consents(subject, n: int, *, start=None) -> None:
    start = start or timezone.now()
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            subject=subject,
            purpose=purpose("marketing"),
            action=ConsentRecord.Action.GRANTED,
            method=ConsentRecord.Method.DASHBOARD,
            created_at=start - dt.timedelta(days=i),
        )
        for i in range(n)
    )


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in queries.captured_queries]


def _payments(subject, n: int) -> None:
    now = timezone.now()
    request = RightsRequest.objects.create(
        subject=subject,
        requester=subject,
        kind="disclosure",
        received_at=now,
        due_at=deadlines.due_at("appi", now),
    )
    start = Payment.objects.count()
    Payment.objects.bulk_create(
        Payment(
            request=request,
            reference=f"BULK-{start + i}",
            amount=1000,
            basis=FeeBasis.UNFOUNDED,
            status=PaymentStatus.WAIVED,
            waiver_reason="Test",
            due_at=now,
        )
        for i in range(n)
    )


def _unfiltered_counts(sql: list[str]) -> list[str]:
    """Counts over a whole table: neither a WHERE nor a LIMITed subquery bounds them."""
    return [
        q
        for q in sql
        if "COUNT(" in q.upper() and " WHERE " not in q.upper() and " LIMIT " not in q.upper()
    ]


def _users(n: int) -> None:
    User.objects.bulk_create(User(email=f"bulk{i}@example.com") for i in range(n))


@pytest.mark.parametrize(
    ("url", "add"), [(CONSENTS, _consents), (USERS, None), (PAYMENTS, _payments)]
)
def test_large_change_lists_cost_the_same_at_1_and_1000_rows(
    still_clock,
    officer_client,  # noqa: F811
    customer,
    url,
    add,
):
    if add is not None:
        add(customer, 1)
    _queries(officer_client, url)  # warm up the session and caches
    _response, small = _queries(officer_client, url)
    if add is not None:
        add(customer, 999)
    else:
        _users(999)
    response, large = _queries(officer_client, url)
    assert len(small) == len(large), large
    assert _unfiltered_counts(large) == []
    assert not response.context["cl"].show_full_result_count
    assert isinstance(response.context["cl"].paginator, CappedCountPaginator)


def test_the_count_stops_at_the_cap(officer_client, customer, monkeypatch):  # noqa: F811
    monkeypatch.setattr(CappedCountPaginator, "CAP", 100)
    _consents(customer, 300)
    response, sql = _queries(officer_client, CONSENTS)
    assert response.context["cl"].result_count == 101
    counts = [q for q in sql if "COUNT(" in q.upper() and "consent_consentrecord" in q]
    assert counts and all(" LIMIT " in q.upper() for q in counts), counts
    assert (
        "date_hierarchy" not in response.content.decode()
        and "xfull" not in response.content.decode()
    )


def test_the_date_range_filter_keeps_the_days_given(officer_client, customer):  # noqa: F811
    start = timezone.make_aware(dt.datetime(2026, 4, 30, 12, 0))
    _consents(customer, 10, start=start)  # 2026-04-21 .. 2026-04-30, one a day
    response = officer_client.get(
        CONSENTS, {"created_at__from": "2026-04-25", "created_at__to": "2026-04-27"}
    )
    days = sorted(timezone.localdate(r.created_at) for r in response.context["cl"].result_list)
    assert days == [dt.date(2026, 4, 25), dt.date(2026, 4, 26), dt.date(2026, 4, 27)]
    html = response.content.decode()
    assert 'type="date" name="created_at__from" value="2026-04-25"' in html

    only_from = officer_client.get(CONSENTS, {"created_at__from": "2026-04-29"})
    assert len(only_from.context["cl"].result_list) == 2


def test_a_date_that_is_not_a_date_is_named_and_changes_nothing(officer_client, customer):  # noqa: F811
    _consents(customer, 5)
    response = officer_client.get(CONSENTS, {"created_at__from": "2026-13-45"}, follow=True)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 5
    assert "2026-13-45" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [{"created_at__to": "9999-12-31"}, {"created_at__from": "0001-01-01"}],
)
def test_a_date_at_the_end_of_the_calendar_is_refused_in_words(officer_client, customer, params):  # noqa: F811
    """A year mistyped as 0001 or 9999 in the date picker left no day to count to: a 500."""
    _consents(customer, 3)
    response = officer_client.get(CONSENTS, params, follow=True)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 3
    assert next(iter(params.values())) in response.content.decode()
