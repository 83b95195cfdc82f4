"""What the API reads: a field it does not know is refused by name, never dropped."""

import base64
import json

import pytest

from rights.choices import Kind
from rights.models import RightsRequest
from rights.services import request_submit
from tests.consent_support import recipients

pytestmark = pytest.mark.django_db

URL = "/api/v1/requests"


def _post(client, headers, url, body):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def _refused(response, loc):
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/invalid-input")
    assert loc in [error["loc"] for error in problem["errors"]]
    return problem


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"service": ["mobile"]}, ["body", "service"]),
        ({"unknown_field": 1}, ["body", "unknown_field"]),
        ({"kind": "stop_use", "scope": {"purpose": ["marketing"]}}, ["body", "scope", "purpose"]),
    ],
)
def test_a_request_with_a_field_the_api_does_not_know_is_refused_and_not_filed(
    client, make_client, customer_a, service_a, fields, loc
):
    _api_client, headers = make_client(["requests:write"], [service_a])
    body = {
        "subject": "M-A-0001",
        "kind": "disclosure",
        "identity_verification": "verified",
        "idempotency_key": "call-1",
        **fields,
    }

    _refused(_post(client, headers, URL, body), loc)

    assert not RightsRequest.objects.exists()


def test_a_permissions_batch_with_an_unknown_field_is_refused(
    client, make_client, customer_a, service_a
):
    _api_client, headers = make_client(["consent:read"], [service_a])
    body = {"subjects": ["M-A-0001"], "purpose": "marketing", "recipients": [1]}

    _refused(_post(client, headers, "/api/v1/permissions/batch", body), ["body", "recipients"])


def test_a_callback_with_an_unknown_field_is_refused_and_not_stored(client, make_client):
    api_client, headers = make_client(["requests:read"])
    body = {"url": "https://93.184.216.34/hook", "secret": "mine"}

    response = client.put(
        "/api/v1/callback", json.dumps(body), content_type="application/json", headers=headers
    )

    _refused(response, ["body", "secret"])
    api_client.refresh_from_db()
    assert api_client.callback_url == ""


@pytest.mark.parametrize(
    "value",
    [
        "2026-13-45T10:00Z",
        "2026-02-30T10:00:00+09:00",
        "2026-12-01T25:00Z",
        "not a date",
        # A time of day that exists, at an instant before year 1 or after 9999 in UTC.
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00+23:59",
    ],
)
def test_a_change_time_that_is_no_date_is_refused_naming_the_parameter(
    client, make_client, service_a, value
):
    _api_client, headers = make_client(["requests:read"], [service_a])

    response = client.get(URL, {"updated_since": value}, headers=headers)
    problem = _refused(response, ["query", "updated_since"])

    assert [error["loc"] for error in problem["errors"]] == [["query", "updated_since"]]
    assert all(error["msg"] for error in problem["errors"])


@pytest.mark.parametrize(
    ("url", "query", "loc"),
    [
        # A misspelt filter would list every request, as if none was given.
        (URL, {"update_since": "2026-12-01T00:00Z"}, ["query", "update_since"]),
        (URL, {"status": "submitted", "state": "closed"}, ["query", "state"]),
        ("/api/v1/callback", {"verbose": "1"}, ["query", "verbose"]),
        (
            "/api/v1/subjects/M-A-0001/permissions",
            {"purpose": "marketing", "recipients": "1"},
            ["query", "recipients"],
        ),
    ],
)
def test_a_query_parameter_the_api_does_not_know_is_refused_by_name(
    client, make_client, customer_a, service_a, url, query, loc
):
    _api_client, headers = make_client(services=[service_a])

    problem = _refused(client.get(url, query, headers=headers), loc)

    assert problem["errors"] == [{"loc": loc, "msg": "Extra inputs are not permitted"}]


def test_a_request_read_by_reference_refuses_a_query_parameter(
    client, make_client, customer_a, service_a
):
    _api_client, headers = make_client(services=[service_a])
    body = {
        "subject": "M-A-0001",
        "kind": "disclosure",
        "identity_verification": "verified",
        "idempotency_key": "call-1",
    }
    reference = _post(client, headers, URL, body).json()["reference"]

    _refused(
        client.get(f"{URL}/{reference}", {"fields": "all"}, headers=headers), ["query", "fields"]
    )
    assert client.get(f"{URL}/{reference}", headers=headers).status_code == 200


def test_an_unknown_query_parameter_is_refused_only_after_the_key_is_checked(client):
    response = client.get(URL, {"update_since": "2026-12-01T00:00Z"})

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("url", "query", "loc"),
    [
        # Only the last would be read: the answer would be about billing alone.
        (
            "/api/v1/subjects/M-A-0001/permissions",
            {"purpose": ["marketing", "billing"]},
            ["query", "purpose"],
        ),
        (URL, {"status": ["submitted", "completed"]}, ["query", "status"]),
    ],
)
def test_a_query_parameter_given_twice_is_refused_by_name(
    client, make_client, customer_a, service_a, url, query, loc
):
    """A parameter the endpoint reads once is not answered for one of its values."""
    _api_client, headers = make_client(services=[service_a])

    problem = _refused(client.get(url, query, headers=headers), loc)

    assert [error["loc"] for error in problem["errors"]] == [loc]


def test_a_body_naming_a_field_twice_is_refused_and_changes_nothing(client, make_client):
    """JSON readers keep one of the two values (Python's the last): here a removal."""
    api_client, headers = make_client(["requests:read"])
    api_client.callback_url = "https://93.184.216.34/hook"
    api_client.callback_secret = "secret"
    api_client.save()
    body = '{"url": "https://93.184.216.34/other", "url": null}'

    response = client.put(
        "/api/v1/callback", body, content_type="application/json", headers=headers
    )

    assert response.status_code == 400, response.content
    assert response.json()["type"].endswith("/unreadable-body")
    assert "url" in response.json()["detail"]
    api_client.refresh_from_db()
    assert api_client.callback_url == "https://93.184.216.34/hook"


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(f"after:{text}".encode()).decode()


def _in_digits(number: int, zero: str) -> str:
    """``number`` written with the digits of the script whose zero is ``zero``."""
    return "".join(chr(ord(zero) + int(digit)) for digit in str(number))


@pytest.mark.parametrize(
    "spelling",
    [
        lambda pk: "R-" + _in_digits(pk, "\uff10"),  # fullwidth
        lambda pk: "R-" + _in_digits(pk, "\u0660"),  # Arabic-Indic
        lambda pk: "R-000000" + _in_digits(pk, "\uff10"),
    ],
)
def test_a_reference_written_in_other_digits_is_refused_as_no_reference(
    client, make_client, customer_a, service_a, spelling
):
    """A request has one reference, R- and ASCII digits (the pattern the OpenAPI
    document declares): another spelling of its number is no address of it, and is
    refused as input, as a value not matching any other declared pattern is."""
    _api_client, headers = make_client(["requests:read"], [service_a])
    request = request_submit(subject=customer_a, requester=customer_a, kind=Kind.DISCLOSURE)
    assert client.get(f"{URL}/{request.reference}", headers=headers).status_code == 200

    _refused(client.get(f"{URL}/{spelling(request.pk)}", headers=headers), ["path", "ref"])


@pytest.mark.parametrize("ref", ["abc", "R-", "R-1x", "r-1", "R-1234567890123", "12"])
def test_a_value_that_is_no_reference_is_invalid_input_not_a_missing_request(
    client, make_client, service_a, ref
):
    _api_client, headers = make_client(["requests:read", "fulfilment:write"], [service_a])
    read = client.get(f"{URL}/{ref}", headers=headers)
    problem = _refused(read, ["path", "ref"])
    assert "R-" in json.dumps(problem["errors"])
    report = {"system": 1, "outcome": "done"}
    _refused(_post(client, headers, f"{URL}/{ref}/fulfilment", report), ["path", "ref"])


def test_a_well_formed_reference_the_client_does_not_see_is_404(client, make_client, service_a):
    _api_client, headers = make_client(["requests:read"], [service_a])
    response = client.get(f"{URL}/R-999999", headers=headers)
    assert response.status_code == 404, response.content
    assert response.json()["type"].endswith("/request-not-found")


@pytest.mark.parametrize(
    "query",
    [
        {"cursor": _cursor("\u0661")},
        {"cursor": _cursor(" 1")},
        {"cursor": _cursor("1\n")},
        {"cursor": _cursor("-5")},
        {"updated_since": "\uff12\uff10\uff12\uff16-12-01T00:00:00Z"},
    ],
)
def test_a_cursor_or_time_the_api_never_writes_is_refused(
    client, make_client, customer_a, service_a, query
):
    """Cursors are the API's own ``after:<id>``; times are ISO 8601 in ASCII digits."""
    _api_client, headers = make_client(["requests:read"], [service_a])

    response = client.get(URL, query, headers=headers)

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("since", ["2026-12-01T09:00:00", "2026-12-01", "2026-12-01 09:00:00Z"])
def test_a_change_time_without_its_offset_is_refused_saying_what_is_read(
    client, make_client, service_a, since
):
    """A time without an offset names no moment (09:00 in Tokyo or in UTC?): the
    integrator is told what the API reads, not shown a regular expression."""
    _api_client, headers = make_client(["requests:read"], [service_a])

    response = client.get(URL, {"updated_since": since}, headers=headers)

    problem = _refused(response, ["query", "updated_since"])
    [error] = problem["errors"]
    assert "offset" in error["msg"] and "2026-12-01T09:00:00+09:00" in error["msg"]
    assert "pattern" not in error["msg"]


def test_an_offset_whose_plus_was_read_as_a_space_is_refused_saying_to_encode_it(
    client, make_client, service_a
):
    """docs/api.md's own example, typed into a URL as written: the query's + reads as a
    space, and the answer said the time had no offset, which it had."""
    _api_client, headers = make_client(["requests:read"], [service_a])

    response = client.get(URL + "?updated_since=2026-12-01T09:00:00+09:00", headers=headers)

    problem = _refused(response, ["query", "updated_since"])
    [error] = problem["errors"]
    assert "%2B" in error["msg"]
    assert "without an offset" not in error["msg"]


@pytest.mark.parametrize("details", ["Bell\u0007", "Escape \u001b[31mred", "Tab\u000bvertical"])
def test_details_with_a_control_character_are_refused_and_nothing_is_filed(
    client, make_client, customer_a, service_a, details
):
    """The details are shown to staff as the customer's words: as in the portal's
    forms and a fulfilment's note, only text and line breaks are taken."""
    _api_client, headers = make_client(["requests:write"], [service_a])
    body = {
        "subject": "M-A-0001",
        "kind": "disclosure",
        "identity_verification": "verified",
        "idempotency_key": "call-1",
        "details": details,
    }

    _refused(_post(client, headers, URL, body), ["body", "details"])

    assert not RightsRequest.objects.exists()


def test_details_in_lines_and_tabs_are_filed_as_written(client, make_client, customer_a, service_a):
    _api_client, headers = make_client(["requests:write"], [service_a])
    body = {
        "subject": "M-A-0001",
        "kind": "disclosure",
        "identity_verification": "verified",
        "idempotency_key": "call-1",
        "details": "Line one\r\nLine two\tand a tab",
    }

    response = _post(client, headers, URL, body)

    assert response.status_code == 201, response.content
    assert RightsRequest.objects.get().details == "Line one\r\nLine two\tand a tab"


def _file_body(**fields) -> dict:
    return {
        "subject": "M-A-0001",
        "kind": "disclosure",
        "identity_verification": "verified",
        "idempotency_key": "call-1",
        **fields,
    }


@pytest.mark.parametrize("recipient", [True, "1", 1.0])
def test_a_recipient_id_that_is_no_json_integer_is_refused_by_name(
    client, make_client, customer_a, service_a, recipient
):
    """true, "1" and 1.0 are not the integer 1: a caller whose JSON is wrong hears so,
    rather than being answered for recipient 1."""
    _api_client, headers = make_client(["consent:read"], [service_a])
    body = {"subjects": ["M-A-0001"], "recipient": recipient}

    _refused(_post(client, headers, "/api/v1/permissions/batch", body), ["body", "recipient"])


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        (
            {"kind": "stop_provision", "scope": {"recipients": ["1"]}},
            ["body", "scope", "recipients", "0"],
        ),
        ({"kind": "stop_use", "scope": {"everything": "true"}}, ["body", "scope", "everything"]),
        ({"details": 12}, ["body", "details"]),
    ],
)
def test_a_request_field_of_the_wrong_json_type_is_refused_and_nothing_is_filed(
    client, make_client, customer_a, service_a, fields, loc
):
    _api_client, headers = make_client(["requests:write"], [service_a])

    _refused(_post(client, headers, URL, _file_body(**fields)), loc)

    assert not RightsRequest.objects.exists()


@pytest.mark.parametrize("limit", ["+5", "5.0", " 5", "٥", "5_0"])
def test_a_limit_that_is_not_written_in_ascii_digits_is_refused_by_name(
    client, make_client, service_a, limit
):
    _api_client, headers = make_client(["requests:read"], [service_a])

    _refused(client.get(URL, {"limit": limit}, headers=headers), ["query", "limit"])


@pytest.mark.parametrize("written", ["+{}", "{}.0", " {}"])
def test_a_recipient_in_the_query_not_written_in_ascii_digits_is_refused_by_name(
    client, make_client, customer_a, service_a, written
):
    _api_client, headers = make_client(["consent:read"], [service_a])
    delivery = recipients()["delivery"]
    url = "/api/v1/subjects/M-A-0001/permissions"

    response = client.get(url, {"recipient": written.format(delivery.pk)}, headers=headers)

    _refused(response, ["query", "recipient"])
    assert client.get(url, {"recipient": str(delivery.pk)}, headers=headers).status_code == 200


def test_a_limit_in_digits_is_read(client, make_client, customer_a, service_a):
    _api_client, headers = make_client(["requests:read"], [], all_services=True)
    for _ in range(2):
        request_submit(subject=customer_a, requester=customer_a, kind=Kind.DISCLOSURE)

    page = client.get(URL, {"limit": "01"}, headers=headers)

    assert page.status_code == 200, page.content
    assert len(page.json()["items"]) == 1 and page.json()["next_cursor"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_declared_json_is_refused_415_and_nothing_is_filed(
    client, make_client, customer_a, service_a, content_type
):
    _api_client, headers = make_client(["requests:write"], [service_a])
    # generic() declares application/octet-stream unless told: "" sends none.
    declared = {"CONTENT_TYPE": content_type or ""}

    response = client.generic(
        "POST", URL, json.dumps(_file_body()).encode(), headers=headers, **declared
    )

    assert response.status_code == 415, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/unsupported-media-type")
    assert not RightsRequest.objects.exists()


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "Application/JSON", "application/merge+json"],
)
def test_a_body_declared_json_is_read(client, make_client, customer_a, service_a, content_type):
    _api_client, headers = make_client(["requests:write"], [service_a])

    response = client.post(
        URL, json.dumps(_file_body()), content_type=content_type, headers=headers
    )

    assert response.status_code == 201, response.content


@pytest.mark.parametrize("limit", ["-1", "+5", "5.0", "99999999999"])
def test_a_limit_not_in_ascii_digits_says_so_in_plain_words(client, make_client, limit):
    """The message is the integrator's to read, without pydantic's 'Value error, '."""
    _api_client, headers = make_client()
    response = client.get("/api/v1/requests", {"limit": limit}, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "loc": ["query", "limit"],
            "msg": "Write the number in ASCII digits (0-9), at most 10 of them.",
        }
    ]
