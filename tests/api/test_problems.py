"""Every answer of the API is a problem detail of a documented type (docs/api.md),
including an address no endpoint has, a method an endpoint does not take and a
body that is not JSON."""

import json

import pytest
from django.test import Client, override_settings

from portal.kernel.models import AuditEvent
from rights.models import RightsRequest
from tests.api.problems_support import DOCUMENTED

pytestmark = pytest.mark.django_db


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == f"https://rights-portal.example/problems/{code}"
    assert code in DOCUMENTED
    return problem


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here",
        "/api/v1/requests/R-1/nothing",
        "/api/v1/requests/",
        "/api/v2/requests",
        "/api/v1/",
        "/api/",
    ],
)
def test_an_address_no_endpoint_has_is_a_not_found_problem(make_client, path):
    _api_client, headers = make_client()
    client = Client(enforce_csrf_checks=True)  # as in production: no CSRF refusal first

    for method in (client.get, client.post, client.delete):
        _problem(method(path, headers=headers), 404, "not-found")
    _problem(client.get(path), 404, "not-found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "/api/v1/requests", "GET, POST"),
        ("put", "/api/v1/requests", "GET, POST"),
        ("patch", "/api/v1/requests/R-000001", "GET"),
        ("post", "/api/v1/requests/R-000001", "GET"),
        ("get", "/api/v1/requests/R-000001/fulfilment", "POST"),
        ("delete", "/api/v1/subjects/M-A-0001/permissions", "GET"),
        ("get", "/api/v1/permissions/batch", "POST"),
        ("delete", "/api/v1/callback", "GET, PUT"),
        ("options", "/api/v1/requests", "GET, POST"),
    ],
)
def test_a_method_the_endpoint_does_not_take_is_a_method_not_allowed_problem(
    client, make_client, method, path, allowed
):
    _api_client, headers = make_client()

    for sent in (headers, {}):  # refused before the key is looked at
        response = getattr(client, method)(path, headers=sent)

        problem = _problem(response, 405, "method-not-allowed")
        assert response["Allow"] == allowed
        assert problem["title"] == "Method not allowed"
        assert problem["detail"] == (
            f"This endpoint does not take {method.upper()}; it takes {allowed}."
        )


def test_the_openapi_document_is_only_read(make_client):
    _api_client, headers = make_client()
    client = Client(enforce_csrf_checks=True)

    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.head("/api/v1/openapi.json").status_code == 200
    for method in (client.post, client.put, client.delete):
        response = method("/api/v1/openapi.json", headers=headers)
        _problem(response, 405, "method-not-allowed")
        assert response["Allow"] == "GET, HEAD"


def test_head_is_refused_as_other_methods_are(client, make_client):
    """No endpoint declares HEAD; the server sends the answer's headers only."""
    _api_client, headers = make_client()

    response = client.head("/api/v1/requests", headers=headers)

    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response["Allow"] == "GET, POST"


@pytest.mark.parametrize(
    "body",
    [
        b"{bad",
        b'{"subject": "\xff"}',
        b"",
        b"[1, 2",
        # Nested deeper than the JSON parser follows (a RecursionError, not a ValueError).
        pytest.param(b'{"subject": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", id="too-deep"),
    ],
)
def test_a_body_that_is_not_json_is_an_unreadable_body_problem(
    client, make_client, customer_a, service_a, body
):
    _api_client, headers = make_client(["requests:write"], [service_a])

    response = client.post(
        "/api/v1/requests", body, content_type="application/json", headers=headers
    )

    if body:
        _problem(response, 400, "unreadable-body")
    else:  # no body at all: the body's fields are missing
        assert _problem(response, 422, "invalid-input")["errors"][0]["loc"] == ["body"]
    assert not RightsRequest.objects.exists()


def test_a_form_body_is_an_unreadable_body_problem(client, make_client, customer_a, service_a):
    """Django reads a multipart form before any view (request.POST), after which the body
    itself cannot be read again."""
    _api_client, headers = make_client(["requests:write"], [service_a])

    response = client.post(
        "/api/v1/requests", {"subject": "M-A-0001", "kind": "disclosure"}, headers=headers
    )

    _problem(response, 400, "unreadable-body")
    assert not RightsRequest.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1_000)
def test_a_body_larger_than_the_portal_reads_is_a_body_too_large_problem(
    client, make_client, customer_a, service_a
):
    api_client, headers = make_client(["requests:write"], [service_a])
    body = {"subject": "M-A-0001", "kind": "disclosure", "identity_verification": "verified"}

    response = client.post(
        "/api/v1/requests",
        json.dumps({**body, "details": "x" * 1_000}),
        content_type="application/json",
        headers=headers,
    )

    problem = _problem(response, 413, "body-too-large")
    assert problem["title"] == "Content too large"
    assert not RightsRequest.objects.exists()
    event = AuditEvent.objects.filter(action="api.call").latest("id")
    assert (event.details["client"], event.details["outcome"]) == (api_client.pk, 413)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1_000)
def test_a_form_body_too_large_to_read_before_any_endpoint_is_a_body_too_large_problem(
    client, make_client, service_a
):
    """A form is read by the portal's middleware (its text checked), before the API."""
    _api_client, headers = make_client(["requests:write"], [service_a])

    response = client.post(
        "/api/v1/requests",
        "details=" + "x" * 1_000,
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )

    _problem(response, 413, "body-too-large")


@pytest.mark.parametrize(
    ("query", "extra"),
    [
        ("", {"HTTP_HOST": "portal.attacker.example"}),
        ("?" + "&".join(f"f{n}=1" for n in range(1_001)), {}),
    ],
    ids=["host-not-served", "too-many-parameters"],
)
def test_a_request_django_refuses_before_any_endpoint_is_a_bad_request_problem(
    make_client, query, extra
):
    _api_client, headers = make_client()
    client = Client(raise_request_exception=False)

    _problem(client.get("/api/v1/requests" + query, headers=headers, **extra), 400, "bad-request")
    # the site's own pages keep theirs
    response = client.get("/" + query, **extra)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_an_error_of_the_portal_is_a_server_error_problem(make_client, monkeypatch):
    _api_client, headers = make_client()

    def failing(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("portal.kernel.api.callbacks.callback_register", failing)

    response = Client(raise_request_exception=False).put(
        "/api/v1/callback",
        json.dumps({"url": "https://hooks.example.com/portal"}),
        content_type="application/json",
        headers=headers,
    )

    problem = _problem(response, 500, "server-error")
    assert "database" not in problem["detail"]
    assert response["X-Request-ID"] in problem["detail"]


def test_the_api_answers_its_own_addresses_still(make_client, officer_client):
    _api_client, headers = make_client()
    assert Client().get("/api/v1/openapi.json").status_code == 200
    assert Client().get("/api/v1/callback", headers=headers).status_code == 200
    assert officer_client.get("/api/v1/docs").status_code == 200
