"""The staff queue's filter by service: a request naming no service concerns all of
the customer's services, so it is listed under each of them, as a handler of that
service sees it (``RightsRequestQuerySet.concerning_services``)."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone

from portal.kernel.models import Service
from rights import deadlines
from rights.models import RightsRequest
from rights.services import request_submit
from tests.conftest import admin_login
from tests.factories import ProfileFactory, RegistrationFactory, ServiceFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/rights/rightsrequest/"


def _listed(client, service) -> set[int]:
    cl = client.get(f"{CHANGELIST}?state=all&service={service.pk}").context["cl"]
    return {r.pk for r in cl.result_list}


@pytest.fixture
def two_services(handler):
    mine = Service.objects.create(code="mine", name="マイン", name_en="Mine", responsible=handler)
    other = ServiceFactory(code="other", name="アザー", name_en="Other")
    return mine, other


def test_a_request_for_all_services_is_listed_under_each_of_the_customers_services(
    officer_client, customer, two_services
):
    mine, other = two_services
    RegistrationFactory(user=customer, service=mine)
    RegistrationFactory(user=customer, service=other)
    everything = request_submit(subject=customer, requester=customer, kind="disclosure")
    named = request_submit(subject=customer, requester=customer, kind="disclosure", services=[mine])
    assert _listed(officer_client, mine) == {everything.pk, named.pk}
    assert _listed(officer_client, other) == {everything.pk}


def test_a_request_for_all_services_stays_under_the_services_it_was_filed_for(
    officer_client, customer, two_services
):
    """Its registrations erased, the request still concerns the services the customer
    had when it was filed; a service they never used is not among them."""
    mine, other = two_services
    registration = RegistrationFactory(user=customer, service=mine)
    everything = request_submit(subject=customer, requester=customer, kind="deletion")
    registration.delete()
    assert _listed(officer_client, mine) == {everything.pk}
    assert _listed(officer_client, other) == set()


def test_the_filter_lists_what_the_handler_of_the_service_sees(
    client, handler, customer, two_services
):
    mine, other = two_services
    RegistrationFactory(user=customer, service=mine)
    stranger = ProfileFactory().user
    RegistrationFactory(user=stranger, service=other)
    everything = request_submit(subject=customer, requester=customer, kind="disclosure")
    request_submit(subject=stranger, requester=stranger, kind="disclosure")
    request_submit(subject=customer, requester=customer, kind="disclosure", services=[other])
    admin_login(client, handler)
    queue = {r.pk for r in client.get(f"{CHANGELIST}?state=all").context["cl"].result_list}
    assert _listed(client, mine) == queue == {everything.pk}
    assert queue == set(RightsRequest.objects.visible_to(handler).values_list("pk", flat=True))


def test_the_queue_of_one_service_reads_the_deadline_index(officer_client, customer, two_services):
    if connection.vendor != "postgresql":
        pytest.skip("the query plan is PostgreSQL's; SQLite plans differently")
    mine, _other = two_services
    RegistrationFactory(user=customer, service=mine)
    now = timezone.now()
    RightsRequest.objects.bulk_create(
        RightsRequest(
            subject=customer,
            requester=customer,
            kind="disclosure",
            received_at=now - dt.timedelta(minutes=i),
            due_at=deadlines.due_at("appi", now - dt.timedelta(minutes=i)),
        )
        for i in range(5000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    cl = officer_client.get(f"{CHANGELIST}?state=all&service={mine.pk}").context["cl"]
    plan = cl.queryset[: cl.list_per_page].explain()
    assert "rights_queue_due_id" in plan, plan
    assert "Sort" not in plan.split("rights_queue_due_id")[0], plan


def test_the_dashboard_counts_per_service_what_its_link_lists(
    officer_client, customer, two_services
):
    mine, other = two_services
    RegistrationFactory(user=customer, service=mine)
    request_submit(subject=customer, requester=customer, kind="disclosure")
    request_submit(subject=customer, requester=customer, kind="disclosure", services=[other])
    html = officer_client.get("/admin/reports/").content.decode()
    rows = re.findall(r'<a href="([^"]*\?service=(\d+))">[^<]+</a></th><td class="num">(\d+)', html)
    assert {int(pk): int(n) for _url, pk, n in rows} == {mine.pk: 1, other.pk: 1}
    for url, _pk, n in rows:
        listed = officer_client.get(url.replace("&amp;", "&")).context["cl"].result_count
        assert listed == int(n), url


def test_the_dashboard_counts_a_handler_only_under_their_own_services(
    client, handler, customer, two_services
):
    """The dashboard's per-service counts, as the queue's filter, name only the
    services the handler answers for: not another service the customer also uses."""
    mine, other = two_services
    RegistrationFactory(user=customer, service=mine)
    RegistrationFactory(user=customer, service=other)
    request_submit(subject=customer, requester=customer, kind="disclosure")
    admin_login(client, handler)
    rows = client.get("/admin/reports/").context["services"]
    assert [row["service"] for row in rows] == [mine]


def test_the_holds_filter_by_service_offers_a_handler_only_their_own_services(
    client, handler, two_services
):
    """As the queue's filter: the services a handler answers for, and the holds that
    cover every service; not the names of services out of their sight."""
    mine, other = two_services
    admin_login(client, handler)
    page = client.get("/admin/rights/legalhold/").content.decode()
    assert "マイン" in page
    assert "アザー" not in page


def test_a_handler_filtering_by_a_service_not_theirs_sees_no_request(
    client, handler, customer, two_services
):
    """A handler sees a request for all of a customer's services; filtering the queue by
    another service of that customer (by its id in the address, not among the filter's
    choices) told them the customer also uses it. It lists nothing."""
    mine, other = two_services
    RegistrationFactory(user=customer, service=mine)
    RegistrationFactory(user=customer, service=other)
    everything = request_submit(subject=customer, requester=customer, kind="disclosure")
    admin_login(client, handler)

    assert _listed(client, mine) == {everything.pk}
    assert _listed(client, other) == set()
