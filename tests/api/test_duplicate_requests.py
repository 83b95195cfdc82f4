"""A request filed through the API beside an open one of the same kind and scope.

A client posting the same body under a new idempotency key got a second open
request (201), where a customer in the portal is shown the first and files only
after confirming. The API now answers 409 ``duplicate-request`` naming the open
requests the client may read; ``beside`` confirms filing next to them.
"""

import pytest

from rights.choices import Kind
from rights.models import ApiFiling, RightsRequest
from rights.services import DuplicateRequest, request_file, request_submit
from tests.factories import RegistrationFactory

from .filing_support import URL, api_file, api_file_at_once

pytestmark = pytest.mark.django_db


def _file(client, headers, **fields):
    """The same request each time, unless ``fields`` say otherwise."""
    return api_file(client, headers, **{"services": ["mobile"], **fields})


def test_the_same_request_under_a_new_key_is_refused_naming_the_open_one(
    client, make_client, customer_a, service_a
):
    _api_client, headers = make_client(["requests:write"], [service_a])
    first = _file(client, headers, idempotency_key="letter-1")

    second = _file(client, headers, idempotency_key="letter-2")

    assert first.status_code == 201, first.content
    assert second.status_code == 409, second.content
    assert second["Content-Type"] == "application/problem+json"
    problem = second.json()
    reference = first.json()["reference"]
    assert problem["type"].endswith("/duplicate-request")
    assert problem["duplicates"] == [reference]
    assert reference in problem["detail"]
    assert RightsRequest.objects.count() == 1 == ApiFiling.objects.count()
    # The first key still answers its request; the refused one filed nothing.
    again = _file(client, headers, idempotency_key="letter-1")
    assert (again.status_code, again.json()["reference"]) == (200, reference)


def test_the_refused_call_is_audited_naming_the_customer_and_the_open_requests(
    client, make_client, customer_a, service_a
):
    """A privacy officer reading the trail (APPI art. 37, CCPA §7101) sees whose
    request was refused, and beside which: as the filed call names its subject."""
    from portal.kernel.models import AuditEvent

    _api_client, headers = make_client(["requests:write"], [service_a])
    reference = _file(client, headers, idempotency_key="letter-1").json()["reference"]

    refused = _file(client, headers, idempotency_key="letter-2")

    assert refused.status_code == 409
    events = AuditEvent.objects.filter(action="api.call", details__outcome=409)
    assert events.count() == 1
    event = events.get()
    assert event.subject_id == customer_a.pk
    assert event.details["duplicates"] == [reference]
    assert event.details["endpoint"] == "POST /api/v1/requests"


def test_beside_the_open_request_files_a_second_one(client, make_client, customer_a, service_a):
    _api_client, headers = make_client(["requests:write"], [service_a])
    reference = _file(client, headers, idempotency_key="letter-1").json()["reference"]

    unknown = _file(client, headers, idempotency_key="letter-2", beside=["R-999999"])
    beside = _file(client, headers, idempotency_key="letter-2", beside=[reference])

    # A reference that is no open duplicate confirms nothing, and is no error.
    assert unknown.status_code == 409, unknown.content
    assert beside.status_code == 201, beside.content
    assert beside.json()["reference"] != reference
    assert RightsRequest.objects.count() == 2
    # The confirmation covered the first request, not the one filed beside it.
    third = _file(client, headers, idempotency_key="letter-3", beside=[reference])
    assert third.status_code == 409
    assert third.json()["duplicates"] == [reference, beside.json()["reference"]]


@pytest.mark.parametrize("written", ["12", "see R-12", "R-12 ", "R-１２"])
def test_a_malformed_reference_in_beside_is_refused(
    client, make_client, customer_a, service_a, written
):
    """A reference is R- and ASCII digits, nothing around them."""
    _api_client, headers = make_client(["requests:write"], [service_a])

    response = _file(client, headers, beside=[written])

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][:2] == ["body", "beside"]


def test_another_kind_or_scope_is_no_duplicate(client, make_client, customer_a, service_a):
    _api_client, headers = make_client(["requests:write"], [service_a])
    _file(client, headers, idempotency_key="a")

    other_kind = _file(client, headers, idempotency_key="b", kind="purpose_notice", services=[])
    other_scope = _file(client, headers, idempotency_key="c", services=[])

    assert (other_kind.status_code, other_scope.status_code) == (201, 201)


def test_an_unverified_request_is_checked_too(client, make_client, customer_a, service_a):
    _api_client, headers = make_client(["requests:write"], [service_a])
    first = _file(client, headers, idempotency_key="a", identity_verification="unverified")

    second = _file(client, headers, idempotency_key="b", identity_verification="unverified")

    assert (first.status_code, second.status_code) == (201, 409)
    assert second.json()["duplicates"] == [first.json()["reference"]]


def test_a_duplicate_filed_in_the_portal_is_named_to_a_client_that_may_read_it(
    client, make_client, customer_a, service_a
):
    """A request naming no service concerns all of the customer's, the client's too."""
    in_portal = request_submit(subject=customer_a, requester=customer_a, kind=Kind.DISCLOSURE)
    _api_client, headers = make_client(["requests:write", "requests:read"], [service_a])

    response = _file(client, headers, services=[])

    assert response.status_code == 409, response.content
    assert response.json()["duplicates"] == [in_portal.reference]
    assert client.get(f"{URL}/{in_portal.reference}", headers=headers).status_code == 200


def test_a_scoped_client_is_told_nothing_of_other_services_requests(
    client, make_client, customer_a, service_a, service_b
):
    RegistrationFactory(user=customer_a, service=service_b, member_number="M-B-0009")
    of_b = request_submit(
        subject=customer_a, requester=customer_a, kind=Kind.DISCLOSURE, services=[service_b]
    )
    _api_client, headers = make_client(["requests:write"], [service_a])

    response = _file(client, headers)

    assert response.status_code == 201, response.content
    assert of_b.reference not in response.content.decode()


def test_only_the_requests_counted_are_duplicates(customer_a):
    """The API counts the requests its client sees; one it does not see is no duplicate."""
    first = request_file(subject=customer_a, requester=customer_a, kind=Kind.PURPOSE_NOTICE)
    with pytest.raises(DuplicateRequest) as caught:
        request_file(
            subject=customer_a,
            requester=customer_a,
            kind=Kind.PURPOSE_NOTICE,
            among=RightsRequest.objects.filter(pk=first.pk),
        )
    assert caught.value.duplicates == [first]
    second = request_file(
        subject=customer_a,
        requester=customer_a,
        kind=Kind.PURPOSE_NOTICE,
        among=RightsRequest.objects.exclude(pk=first.pk),
    )
    assert second.pk != first.pk


def test_the_openapi_document_declares_the_duplicate_problem(client):
    document = client.get("/api/v1/openapi.json").json()
    answer = document["paths"]["/api/v1/requests"]["post"]["responses"]["409"]
    schema = answer["content"]["application/problem+json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    assert "duplicates" in document["components"]["schemas"][name]["properties"]
    body = document["components"]["schemas"]["RequestIn"]["properties"]
    assert "beside" in body


@pytest.mark.django_db(transaction=True)
def test_two_calls_at_once_with_different_keys_file_one_request(make_client, customer_a, service_a):
    """The customer's row is locked for the check: the slower call sees the first."""
    _api_client, headers = make_client(["requests:write"], [service_a])

    answers = api_file_at_once(headers, ["one", "two"], services=["mobile"])

    assert sorted(a.status_code for a in answers) == [201, 409]
    filed = next(a for a in answers if a.status_code == 201).json()["reference"]
    refused = next(a for a in answers if a.status_code == 409).json()
    assert refused["duplicates"] == [filed]
    assert RightsRequest.objects.count() == 1 == ApiFiling.objects.count()
