"""The list of requests carries each one's ``tasks`` as the single read does, in a
constant number of queries a page (docs/api.md, Endpoints): a system answering through
the API finds the parts it must act on without reading every request one by one.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rights.choices import Kind
from rights.connectors.models import SystemTask
from rights.services import request_submit

pytestmark = pytest.mark.django_db


def _page(headers, limit=100):
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/requests", {"limit": limit}, headers=headers)
    assert response.status_code == 200, response.content
    return response.json(), len(queries)


def test_each_listed_request_carries_the_parts_its_client_answers_for(linked, deletion, archive):
    _api_client, headers = linked
    page, _queries = _page(headers)
    listed = {item["reference"]: item for item in page["items"]}
    single = Client().get(f"/api/v1/requests/{deletion.reference}", headers=headers).json()
    assert listed[deletion.reference]["tasks"] == single["tasks"]
    assert [task["system"] for task in single["tasks"]] == [archive.pk]


def test_a_page_of_50_requests_takes_as_many_queries_as_a_page_of_1(linked, deletion, archive):
    _api_client, headers = linked
    _page(headers)  # the key's first use of the minute is noted (last_used_at)
    page, one = _page(headers)
    assert len(page["items"]) == 1
    customer = deletion.subject
    for _ in range(49):
        filed = request_submit(
            subject=customer, requester=customer, kind=Kind.DELETION, categories=["contact"]
        )
        SystemTask.objects.create(request=filed, system=archive, operation="erase", mode="manual")

    page, fifty = _page(headers)

    assert len(page["items"]) == 50
    assert all(len(item["tasks"]) == 1 for item in page["items"])
    assert fifty == one
