"""The OpenAPI document tells an integrator every answer an operation gives and what
each of its inputs is (docs/api.md): what a client generated from it expects."""

import re
from pathlib import Path

import pytest

from tests.api.problems_support import DOCUMENTED

pytestmark = pytest.mark.django_db


@pytest.fixture
def operations(client):
    schema = client.get("/api/v1/openapi.json").json()
    return [
        (f"{method.upper()} {path}", operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_operation_taking_a_body_declares_the_body_too_large_problem(operations):
    """A body over 2.5 MB is answered 413 body-too-large before the endpoint reads it."""
    with_body = [(name, op) for name, op in operations if "requestBody" in op]
    assert with_body
    undeclared = [name for name, op in with_body if "413" not in op["responses"]]
    assert undeclared == []


def test_every_refusal_names_the_problem_types_it_may_carry(operations):
    """'Not Found' alone does not say whether the request, the system or the customer
    was not found: each 4xx answer names its documented problem types."""
    vague = []
    for name, operation in operations:
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            named = set(re.findall(r"`([a-z-]+)`", response["description"]))
            if not named or not named <= DOCUMENTED:
                vague.append((name, status, response["description"]))
    assert vague == []


def test_every_parameter_says_what_it_is(operations):
    silent = [
        (name, parameter["name"])
        for name, operation in operations
        for parameter in operation.get("parameters", [])
        if not (parameter.get("description") or parameter["schema"].get("description"))
    ]
    assert silent == []


def test_every_refusal_declares_the_headers_it_is_sent_with(operations):
    """A 429 is sent with Retry-After, a 401 with WWW-Authenticate (docs/api.md): a
    client generated from the document, and Schemathesis, learn of them there."""
    expected = {"401": "WWW-Authenticate", "429": "Retry-After"}
    undeclared = [
        (name, status, header)
        for name, operation in operations
        for status, header in expected.items()
        if not operation["responses"][status].get("headers", {}).get(header, {}).get("required")
    ]
    assert undeclared == []


def test_a_rate_limited_call_is_sent_the_header_the_document_declares(client, make_client):
    """The header's schema is what the refusal sends: whole seconds, 1 to 60."""
    _client, headers = make_client(rate_limit=1)
    client.get("/api/v1/callback", headers=headers)
    refused = client.get("/api/v1/callback", headers=headers)
    schema = client.get("/api/v1/openapi.json").json()
    declared = schema["paths"]["/api/v1/callback"]["get"]["responses"]["429"]["headers"]
    assert refused.status_code == 429
    assert declared["Retry-After"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 60}
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_a_filed_request_links_to_reading_it_and_reporting_on_it(client):
    """OpenAPI links from POST /requests to the operations that take its reference: a
    client generator, and Schemathesis' stateful phase, follow them."""
    schema = client.get("/api/v1/openapi.json").json()
    responses = schema["paths"]["/api/v1/requests"]["post"]["responses"]
    operations = {
        operation["operationId"]
        for methods in schema["paths"].values()
        for operation in methods.values()
    }
    for status in ("200", "201"):
        links = responses[status]["links"]
        assert (
            {link["operationId"] for link in links.values()}
            == {
                "rights_api_request_get",
                "rights_api_fulfilment_report",
            }
            <= operations
        )
        assert all(
            link["parameters"] == {"ref": "$response.body#/reference"} for link in links.values()
        )


def test_the_guide_names_the_fields_a_filing_requires(client):
    """A partner writing from docs/api.md alone sends every field the API requires:
    the Filing paragraph's "Required:" names exactly the document's required fields."""
    schema = client.get("/api/v1/openapi.json").json()
    required = set(schema["components"]["schemas"]["RequestIn"]["required"])
    guide = (Path(__file__).parents[2] / "docs/api.md").read_text()
    filing = guide[guide.index("**Filing**") : guide.index("**Duplicates.**")]
    sentence = re.search(r"Required: ([^.]*)\.", filing)
    assert sentence is not None
    assert set(re.findall(r"`([a-z_]+)`", sentence.group(1))) == required


def test_a_requests_reference_declares_its_pattern_and_the_422_for_another_value(operations):
    """A client generated from the document checks the reference before sending it;
    the API refuses a value not matching it as any other input, 422 invalid-input."""
    by_reference = [(name, op) for name, op in operations if "/requests/{ref}" in name]
    assert len(by_reference) == 2
    for _name, operation in by_reference:
        (ref,) = [p for p in operation["parameters"] if p["name"] == "ref"]
        pattern = re.compile(ref["schema"]["pattern"])
        assert pattern.search(ref["schema"]["examples"][0])
        assert pattern.search("R-000123") and pattern.search("R-1")
        for other in ("abc", "R-", "r-1", "R-1x", "R-\uff11", "12"):
            assert not pattern.search(other), other
        assert "invalid-input" in operation["responses"]["422"]["description"]
        assert "request-not-found" in operation["responses"]["404"]["description"]
