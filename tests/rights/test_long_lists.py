"""Long lists stay a page long: the customer's requests and a request's thread.

A busy customer's request list and a long conversation grow without bound; each
page costs the same queries and about the same bytes at one row as at a thousand.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rights import deadlines
from rights.admin_queue import CappedCountPaginator
from rights.choices import Status
from rights.models import RequestEvent, RequestMessage, RightsRequest
from rights.paging import REQUESTS_PER_PAGE, THREAD_ORPHANS, THREAD_PER_PAGE
from rights.requesters.follow_links import follow_token
from rights.requesters.verification import identity_verify
from rights.workflow import transition
from tests.conftest import last_code

from .identity_support import file_public_request

pytestmark = pytest.mark.django_db

LIST = "/requests/"
#: A page may grow by the pager's links, never with the rows.
SIZE_BOUND = 1.5


def _bulk_requests(subject, n: int) -> None:
    now = timezone.now()
    RightsRequest.objects.bulk_create(
        RightsRequest(
            subject=subject,
            requester=subject,
            kind="disclosure",
            received_at=now - dt.timedelta(minutes=i),
            due_at=deadlines.due_at("appi", now - dt.timedelta(minutes=i)),
        )
        for i in range(n)
    )


def _bulk_thread(request: RightsRequest, n: int) -> None:
    """``n`` entries of the last ``n`` seconds: messages, every fourth an event."""
    start = timezone.now() - dt.timedelta(seconds=n + 1)
    events, messages = [], []
    for i in range(n):
        at = start + dt.timedelta(seconds=i)
        if i % 4 == 3:
            events.append(RequestEvent(request=request, reason=f"Note {i:05d}", created_at=at))
        else:
            messages.append(
                RequestMessage(
                    request=request,
                    from_staff=bool(i % 2),
                    body=f"Message {i:05d} about the request.",
                    created_at=at,
                )
            )
    RequestEvent.objects.bulk_create(events)
    RequestMessage.objects.bulk_create(messages)


def _at(item):
    return item.created_at


def _bodies(timeline) -> list[str]:
    return [item.body for item in timeline if isinstance(item, RequestMessage)]


def _entries(request: RightsRequest) -> int:
    return request.events.count() + request.messages.count()


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response, len(queries), [q["sql"] for q in queries.captured_queries]


# -- the request list ------------------------------------------------------------------------


def test_the_request_list_costs_the_same_at_one_request_and_at_a_thousand(
    still_clock, stepped_up_client, customer
):
    _bulk_requests(customer, 1)
    _one, one_queries, _sql = _get(stepped_up_client, LIST)

    _bulk_requests(customer, REQUESTS_PER_PAGE - 1)
    full, _n, _sql = _get(stepped_up_client, LIST)
    assert "pager" not in full.content.decode()

    _bulk_requests(customer, 1000 - REQUESTS_PER_PAGE)
    assert RightsRequest.objects.for_customer(customer).count() == 1000
    many, many_queries, sql = _get(stepped_up_client, LIST)
    assert many_queries == one_queries, sql
    assert len(many.content) <= SIZE_BOUND * len(full.content)
    assert len(many.context["requests"]) == REQUESTS_PER_PAGE

    last, last_queries, sql = _get(stepped_up_client, LIST + "?page=40")
    assert last_queries == one_queries, sql
    assert len(last.content) <= SIZE_BOUND * len(full.content)


def test_the_request_list_is_newest_first_with_accessible_page_links(stepped_up_client, customer):
    _bulk_requests(customer, REQUESTS_PER_PAGE + 3)
    newest_first = list(
        RightsRequest.objects.for_customer(customer).order_by("-received_at", "-pk")
    )
    page = stepped_up_client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert newest_first[0].reference in page
    assert newest_first[-1].reference not in page
    assert '<nav class="pager" aria-label="Pages of your requests">' in page
    assert '<a href="?page=1" aria-current="page">' in page
    assert 'href="?page=2" rel="next"' in page

    second = stepped_up_client.get(LIST + "?page=2").content.decode()
    assert newest_first[-1].reference in second
    assert newest_first[0].reference not in second
    assert '<a href="?page=2" aria-current="page">' in second
    # Not a page number, or past the end: the first and the last page, not an error.
    assert stepped_up_client.get(LIST + "?page=x").context["requests"].number == 1
    assert stepped_up_client.get(LIST + "?page=99").context["requests"].number == 2


def test_the_page_links_are_in_japanese(stepped_up_client, customer):
    _bulk_requests(customer, REQUESTS_PER_PAGE + 1)
    page = stepped_up_client.get(LIST, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert 'aria-label="ご請求一覧のページ"' in page
    assert "以前のご請求" in page
    assert '<span class="visually-hidden">ページ </span>1' in page


# -- a request's thread ----------------------------------------------------------------------


def test_the_thread_costs_the_same_at_one_message_and_at_a_thousand(
    still_clock, stepped_up_client, customer, file_request
):
    request = file_request(customer)
    url = f"/requests/{request.pk}/"
    already = _entries(request)
    _bulk_thread(request, 1)
    _one, one_queries, _sql = _get(stepped_up_client, url)

    _bulk_thread(request, THREAD_PER_PAGE - already - 1)
    assert _entries(request) == THREAD_PER_PAGE
    full, _n, _sql = _get(stepped_up_client, url)
    assert "pager" not in full.content.decode()

    _bulk_thread(request, 1000 - THREAD_PER_PAGE)
    many, many_queries, sql = _get(stepped_up_client, url)
    assert many_queries == one_queries, sql
    assert len(many.content) <= SIZE_BOUND * len(full.content)

    older, older_queries, sql = _get(stepped_up_client, url + "?page=2")
    assert older_queries == one_queries, sql
    assert len(older.content) <= SIZE_BOUND * len(full.content)


def test_the_thread_opens_on_the_newest_messages_and_pages_back(
    stepped_up_client, customer, file_request
):
    request = file_request(customer)
    _bulk_thread(request, 3 * THREAD_PER_PAGE)
    entries = _entries(request)
    pages = (entries - THREAD_ORPHANS - 1) // THREAD_PER_PAGE + 1
    newest = request.messages.order_by("-created_at").first()
    oldest = request.messages.order_by("created_at").first()
    newest_entry = max([*request.events.all(), *request.messages.all()], key=_at)

    response = stepped_up_client.get(f"/requests/{request.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    timeline = response.context["timeline"]
    assert timeline.number == pages
    shown = list(timeline)
    assert shown[-1] == newest_entry
    assert [item.created_at for item in shown] == sorted(item.created_at for item in shown)
    text = response.content.decode()
    assert newest.body in text and oldest.body not in text
    assert 'aria-label="Pages of the timeline and messages"' in text
    assert f'<a href="?page={pages}#thread" aria-current="page">' in text
    assert "Go to the newest entries" not in text

    first = stepped_up_client.get(f"/requests/{request.pk}/?page=1", HTTP_ACCEPT_LANGUAGE="en")
    assert oldest.body in first.content.decode()
    assert newest.body not in first.content.decode()
    assert "Go to the newest entries" in first.content.decode()


def test_a_message_sent_from_an_older_page_lands_on_the_newest(
    stepped_up_client, customer, file_request, django_capture_on_commit_callbacks
):
    request = file_request(customer)
    _bulk_thread(request, 2 * THREAD_PER_PAGE)
    url = f"/requests/{request.pk}/?page=1"
    assert 'method="post"' in stepped_up_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = stepped_up_client.post(url, {"body": "A reply from page one."})
    assert response.status_code == 302
    assert response.url == f"/requests/{request.pk}/"
    newest = stepped_up_client.get(response.url)
    assert "A reply from page one." in _bodies(newest.context["timeline"])
    # A refused message is shown again on the page it was written on.
    refused = stepped_up_client.post(url, {"body": ""})
    assert refused.status_code == 200
    assert refused.context["timeline"].number == 1
    assert refused.context["form"].errors


# -- the follow page, without an account -----------------------------------------------------

AGENT = "agent@lawyers.example"


def test_the_follow_page_pages_its_thread_too(
    officer, django_capture_on_commit_callbacks, private_storage, fresh_rate_limits
):
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    capture = django_capture_on_commit_callbacks
    assert file_public_request(visitor, AGENT, capture).status_code == 302
    request = RightsRequest.objects.get()
    with capture(execute=True):
        identity_verify(request=request, actor=officer, no_customer=True)
        transition(request, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which address?")
    url = f"/requests/follow/{follow_token(request, AGENT)}/"
    mail.outbox.clear()
    with capture(execute=True):
        assert visitor.post(url, {"send": "1"}).status_code == 302
    assert visitor.post(url, {"code": last_code()}).status_code == 302

    _bulk_thread(request, 1)
    _one, one_queries, _sql = _get(visitor, url)
    _bulk_thread(request, 1000)
    many, many_queries, sql = _get(visitor, url)
    assert many_queries == one_queries, sql
    assert many.context["timeline"].number == many.context["timeline"].paginator.num_pages
    assert len(many.context["timeline"]) <= THREAD_PER_PAGE + THREAD_ORPHANS
    older = visitor.get(url + "?page=2")
    assert older.context["timeline"].number == 2
    assert '<a href="?page=2#thread" aria-current="page">' in older.content.decode()
    with capture(execute=True):
        sent = visitor.post(url + "?page=2", {"body": "The address is a@example.com."})
    assert sent.status_code == 302
    newest = visitor.get(url)
    assert "The address is a@example.com." in _bodies(newest.context["timeline"])


# -- the staff queue in admin ----------------------------------------------------------------

CHANGELIST = "/admin/rights/rightsrequest/"


def _counts(sql: list[str]) -> list[str]:
    return [q for q in sql if "COUNT(" in q.upper()]


def _bounded(count_sql: str) -> bool:
    """A count over a WHERE (a filter, a handler's services) or a LIMITed subquery."""
    upper = count_sql.upper()
    return " WHERE " in upper or " LIMIT " in upper


def test_the_queue_never_counts_the_whole_table(officer_client, customer, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "CAP", 1000)
    _bulk_requests(customer, 3000)
    response, _n, sql = _get(officer_client, CHANGELIST)
    cl = response.context["cl"]
    assert not cl.show_full_result_count
    # The count stops at the cap, however many rows there are.
    assert cl.result_count == CappedCountPaginator.CAP + 1
    assert len(cl.result_list) == cl.list_per_page
    counts = _counts(sql)
    assert counts and all(_bounded(q) for q in counts), counts
    whole_table = "SELECT COUNT(*) AS __COUNT FROM RIGHTS_RIGHTSREQUEST"
    assert not any(
        q.upper().replace('"', "").startswith(whole_table) and " WHERE " not in q.upper()
        for q in counts
    ), counts

    filtered, _n, sql = _get(officer_client, CHANGELIST + f"?status={Status.SUBMITTED}")
    assert all(_bounded(q) for q in _counts(sql)), _counts(sql)
    assert filtered.context["cl"].result_count == CappedCountPaginator.CAP + 1


def test_the_queue_is_ordered_by_deadline_then_id(officer_client, customer):
    _bulk_requests(customer, 60)
    same_day = RightsRequest.objects.order_by("pk")[:3]
    due = timezone.now() + dt.timedelta(days=1)
    RightsRequest.objects.filter(pk__in=[r.pk for r in same_day]).update(due_at=due)
    shown = list(officer_client.get(CHANGELIST).context["cl"].result_list)
    assert [(r.due_at, r.pk) for r in shown] == sorted((r.due_at, r.pk) for r in shown)


def test_the_queue_page_reads_the_deadline_index(officer_client, customer):
    if connection.vendor != "postgresql":
        pytest.skip("the query plan is PostgreSQL's; SQLite plans differently")
    _bulk_requests(customer, 5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE rights_rightsrequest")
    # Every request, open or closed (the queue opens on the open ones, which have
    # their own index: test_queue_open_by_default.py).
    cl = officer_client.get(CHANGELIST + "?state=all").context["cl"]
    plan = cl.queryset[: cl.list_per_page].explain()
    assert "rights_queue_due_id" in plan, plan
    assert "Sort" not in plan.split("rights_queue_due_id")[0], plan
