"""The API's requests: filing, reading, listing; keys, scopes and services."""

import datetime as dt
import io
import json
import re

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from portal.kernel.api.auth import api_key_revoke
from portal.kernel.models import ApiClient, ApiKey, AuditEvent
from rights.choices import Channel, Kind, Status
from rights.models import ApiFiling, RightsRequest
from rights.services import request_submit
from rights.workflow import transition
from tests.cache_support import cache_down
from tests.consent_support import recipients

from .conftest import later
from .filing_support import URL, api_file_at_once
from .filing_support import api_file as _file

pytestmark = pytest.mark.django_db


def test_a_key_with_requests_write_files_a_request_by_member_number(
    client, make_client, customer_a, service_a
):
    api_client, headers = make_client(["requests:write"], [service_a])

    response = _file(client, headers, services=["mobile"], categories=["contact"])

    assert response.status_code == 201, response.content
    body = response.json()
    request = RightsRequest.objects.get(subject=customer_a)
    assert body["reference"] == request.reference
    assert body["status"] == Status.SUBMITTED and body["opendsr_status"] == "pending"
    assert body["opendsr_type"] == "access" and body["services"] == ["mobile"]
    assert request.channel == Channel.API and request.categories == ["contact"]
    assert ApiFiling.objects.get(request=request).client == api_client
    assert body["updated_at"] is not None


def test_a_key_with_requests_read_cannot_file(client, make_client, customer_a, service_a):
    _api_client, headers = make_client(["requests:read"], [service_a])

    response = _file(client, headers)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/scope-missing")
    assert not RightsRequest.objects.exists()


def test_the_same_idempotency_key_twice_files_one_request(
    client, make_client, customer_a, service_a
):
    _api_client, headers = make_client(["requests:write"], [service_a])

    first = _file(client, headers, idempotency_key="phone-42")
    second = _file(client, headers, idempotency_key="phone-42", kind="deletion")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["reference"] == second.json()["reference"]
    assert RightsRequest.objects.count() == 1
    beside = [first.json()["reference"]]
    assert _file(client, headers, idempotency_key="phone-43", beside=beside).status_code == 201
    assert RightsRequest.objects.count() == 2


def test_an_unverified_request_waits_for_the_portal_to_verify_the_customer(
    client, make_client, customer_a, service_a
):
    _api_client, headers = make_client(["requests:write"], [service_a])

    response = _file(client, headers, subject=customer_a.email, identity_verification="unverified")

    assert response.status_code == 201
    assert response.json()["status"] == Status.AWAITING_VERIFICATION


def test_the_forms_rules_apply_a_stop_without_a_target_is_refused(
    client, make_client, customer_a, service_a
):
    _api_client, headers = make_client(["requests:write"], [service_a])

    response = _file(client, headers, kind="stop_use", details="Too many mails.")

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "scope", "purposes"]
    assert not RightsRequest.objects.exists()


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"kind": "deletion"}, ["body", "scope", "everything"]),
        (
            {"kind": "deletion", "scope": {"everything": True}, "services": ["mobile"]},
            ["body", "scope", "everything"],
        ),
        ({"kind": "stop_use", "scope": {"purposes": ["nope"]}}, ["body", "scope", "purposes"]),
        ({"kind": "stop_use", "scope": {"purposes": [7]}}, ["body", "scope", "purposes", "0"]),
        ({"kind": "disclosure", "categories": ["nope"]}, ["body", "categories"]),
        ({"kind": "nope"}, ["body", "kind"]),
    ],
)
def test_an_error_names_the_field_where_it_was_sent(
    client, make_client, customer_a, service_a, fields, loc
):
    _api_client, headers = make_client(["requests:write"], [service_a])

    response = _file(client, headers, details="Too many mails.", **fields)

    assert response.status_code == 422, response.content
    assert [error["loc"] for error in response.json()["errors"]] == [loc]
    assert not RightsRequest.objects.exists()


@pytest.mark.parametrize(
    ("fields", "refused"),
    [
        (
            {"kind": "stop_use", "scope": {"purposes": ["marketing"], "recipients": [1]}},
            [["body", "scope", "recipients"]],
        ),
        (
            {"kind": "stop_provision", "scope": {"purposes": ["marketing"], "recipients": [1]}},
            [["body", "scope", "purposes"]],
        ),
        (
            {"kind": "disclosure", "scope": {"purposes": ["marketing"]}},
            [["body", "scope", "purposes"]],
        ),
        (
            {"kind": "disclosure", "scope": {"everything": True, "recipients": [1]}},
            [["body", "scope", "everything"], ["body", "scope", "recipients"]],
        ),
        (
            {"kind": "deletion", "scope": {"everything": True}, "delivery_method": "paper"},
            [["body", "delivery_method"]],
        ),
        (
            {"kind": "purpose_notice", "services": ["mobile"], "categories": ["contact"]},
            [["body", "services"], ["body", "categories"]],
        ),
        (
            {"kind": "stop_use", "scope": {"purposes": ["marketing"]}, "services": ["mobile"]},
            [["body", "services"]],
        ),
    ],
)
def test_a_field_the_kind_does_not_take_is_refused_by_name_and_nothing_is_filed(
    client, make_client, customer_a, service_a, fields, refused
):
    _api_client, headers = make_client(["requests:write"], [service_a])
    recipients()

    response = _file(client, headers, details="Too many mails.", **fields)

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/invalid-input")
    assert [error["loc"] for error in problem["errors"]] == refused
    # The form's language (Japanese without Accept-Language), as the form's own messages.
    assert all(
        error["msg"] == "この種類の請求では指定できない項目です。" for error in problem["errors"]
    )
    assert ".".join(refused[0][1:]) in problem["detail"]
    assert not RightsRequest.objects.exists()


def test_empty_fields_of_other_kinds_ask_nothing_and_are_accepted(
    client, make_client, customer_a, service_a
):
    _api_client, headers = make_client(["requests:write"], [service_a])

    response = _file(
        client,
        headers,
        kind="stop_use",
        scope={"everything": False, "purposes": ["marketing"], "recipients": []},
        services=[],
        details="Too many mails.",
    )

    assert response.status_code == 201, response.content
    assert RightsRequest.objects.get().scope == {"purposes": ["marketing"]}


def test_a_service_the_customer_is_not_registered_with_is_named_by_its_code(
    client, make_client, customer_a, service_a, service_b
):
    _api_client, headers = make_client(["requests:write"], [service_a, service_b])

    response = _file(client, headers, services=["mobile", "video"])
    _every, every_headers = make_client(["requests:write"], all_services=True)
    english = _file(
        client, {**every_headers, "Accept-Language": "en"}, services=["video", "mobile", "nope"]
    )

    assert response.status_code == 422, response.content
    assert response.json()["errors"] == [
        {"loc": ["body", "services"], "msg": "このお客様はサービス「video」に登録されていません。"}
    ]
    assert response.json()["detail"] == "Not a service of the customer's: video."
    assert english.status_code == 422
    assert [e["msg"] for e in english.json()["errors"]] == [
        "The customer is not registered with the service video.",
        "No service has the code nope.",
    ]
    assert not RightsRequest.objects.exists()


def test_a_client_cannot_file_for_a_customer_or_service_it_does_not_serve(
    client, make_client, customer_a, customer_b, service_a
):
    _api_client, headers = make_client(["requests:write"], [service_a])

    assert _file(client, headers, subject="M-B-0001").status_code == 404
    assert _file(client, headers, subject=customer_b.email).status_code == 404
    response = _file(client, headers, services=["video"], idempotency_key="x")
    assert response.status_code == 422
    assert not RightsRequest.objects.exists()


def test_a_client_limited_to_service_a_gets_404_for_a_request_of_service_b(
    client, make_client, customer_a, customer_b, service_a, service_b
):
    _api_client, headers = make_client(["requests:read"], [service_a])
    of_a = request_submit(subject=customer_a, requester=customer_a, kind=Kind.DISCLOSURE)
    of_b = request_submit(
        subject=customer_b, requester=customer_b, kind=Kind.DISCLOSURE, services=[service_b]
    )

    assert client.get(f"{URL}/{of_a.reference}", headers=headers).status_code == 200
    response = client.get(f"{URL}/{of_b.reference}", headers=headers)
    assert response.status_code == 404
    assert response.json()["status"] == 404
    listed = client.get(URL, headers=headers).json()["items"]
    assert [item["reference"] for item in listed] == [of_a.reference]


@pytest.mark.parametrize(
    ("how", "said"),
    [
        ("revoked", "revoked"),
        ("expired", "expired"),
        ("client inactive", "client is inactive"),
        ("wrong", "Authorization: Bearer"),
    ],
)
def test_a_revoked_or_expired_key_is_refused_saying_why(
    client, make_client, service_a, settings, how, said
):
    """A known key's refusal also says whom to ask: the privacy office, which makes the
    keys (admin, or ``manage.py api_key`` run for it), at the address set."""
    settings.PRIVACY_OFFICE_EMAIL = "api-keys@rights-portal.example"
    api_client, headers = make_client(["requests:read"], [service_a])
    key = ApiKey.objects.get(client=api_client)
    if how == "revoked":
        api_key_revoke(key=key)
    elif how == "expired":
        ApiKey.objects.filter(pk=key.pk).update(expires_at=later(seconds=-1))
    elif how == "client inactive":
        api_client.is_active = False
        api_client.save()
    else:
        headers = {"Authorization": headers["Authorization"][:-2] + "xx"}

    response = client.get(URL, headers=headers)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert said in problem["detail"]
    if how != "wrong":
        assert problem["type"].endswith("/key-refused")
        assert set(problem) == {"type", "title", "status", "detail"}
        assert "the privacy office (api-keys@rights-portal.example)" in problem["detail"]
    # Every 401 names the scheme to authenticate with (RFC 9110, 15.5.2).
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_key_expiring_later_works_until_then(client, make_client, service_a):
    _api_client, headers = make_client(["requests:read"], [service_a], expires_at=later(days=1))

    assert client.get(URL, headers=headers).status_code == 200


def test_a_staff_session_never_authenticates_the_api(officer_client, make_client):
    """Cookies are refused; a logged-in, OTP-verified staff session is not a key."""
    assert officer_client.get(URL).status_code == 400
    assert officer_client.get(URL).json()["type"].endswith("/cookies-refused")


def test_the_list_pages_by_cursor_and_filters_by_status_and_change_time(
    client, make_client, customer_a, service_a, officer, django_assert_max_num_queries
):
    _api_client, headers = make_client(["requests:read"], [], all_services=True)
    requests = [
        request_submit(subject=customer_a, requester=customer_a, kind=Kind.DISCLOSURE)
        for _ in range(5)
    ]
    transition(requests[1], to=Status.IN_REVIEW, actor=officer)

    with django_assert_max_num_queries(10):  # a page costs the same whatever its size
        client.get(URL, {"limit": 5}, headers=headers)
    page = client.get(URL, {"limit": 2}, headers=headers).json()
    seen = [item["reference"] for item in page["items"]]
    while page["next_cursor"]:
        page = client.get(URL, {"limit": 2, "cursor": page["next_cursor"]}, headers=headers).json()
        seen += [item["reference"] for item in page["items"]]
    assert seen == [r.reference for r in requests]

    in_review = client.get(URL, {"status": "in_review"}, headers=headers).json()["items"]
    assert [item["reference"] for item in in_review] == [requests[1].reference]
    pending = client.get(URL, {"opendsr_status": "pending"}, headers=headers).json()["items"]
    assert len(pending) == 5
    recent = client.get(
        URL, {"updated_since": requests[1].events.last().created_at.isoformat()}, headers=headers
    ).json()["items"]
    assert requests[1].reference in [item["reference"] for item in recent]
    bad = client.get(URL, {"cursor": "%%%"}, headers=headers)
    assert bad.status_code == 422


def test_every_call_is_audited_with_client_endpoint_outcome_and_no_values(
    client, make_client, customer_a, service_a
):
    api_client, headers = make_client(["requests:read"], [service_a])
    _file(client, headers)

    event = AuditEvent.objects.filter(action="api.call").latest("id")
    assert event.details["client"] == api_client.pk
    assert event.details["outcome"] == 403
    assert event.details["endpoint"] == "POST /api/v1/requests"
    assert "M-A-0001" not in json.dumps(event.details)


def test_a_key_over_its_rate_limit_is_answered_429(client, make_client, service_a):
    _api_client, headers = make_client(["requests:read"], [service_a], rate_limit=2)

    # The three calls in one minute's window, however slowly a loaded machine runs them.
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, 30, tzinfo=dt.UTC), tick=False):
        statuses = [client.get(URL, headers=headers).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_a_call_is_served_while_the_shared_cache_is_down(
    client, make_client, service_a, customer_a
):
    """The per-key limit counts in the cache (Redis); with Redis down every call
    was a 500. Like the login throttle, the call goes through and the failure is
    logged: nothing another system sends is lost while Redis is down."""
    _api_client, headers = make_client(["requests:write", "requests:read"], [service_a])
    with cache_down():
        response = _file(client, headers)

    assert response.status_code == 201, response.content
    assert RightsRequest.objects.filter(subject=customer_a).count() == 1


def test_the_openapi_document_is_generated_and_the_docs_are_for_staff_only(officer_client):
    anonymous = Client()
    schema = anonymous.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/subjects/{ref}/permissions" in schema["paths"]
    post = schema["paths"]["/api/v1/requests"]["post"]
    assert "application/problem+json" in post["responses"]["403"]["content"]
    assert anonymous.get("/api/v1/docs").status_code == 302
    docs = officer_client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode()  # served from our own static files (CSP)


def test_the_api_key_command_makes_a_client_and_prints_a_key_once(client, service_a, customer_a):
    out = io.StringIO()
    call_command(
        "api_key", "Call centre", scopes="requests:read,consent:read", services="mobile", stdout=out
    )
    key = out.getvalue().split("Key: ")[1].strip()

    response = client.get(URL, headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == 200
    assert key not in json.dumps(list(ApiKey.objects.values()), default=str)
    with pytest.raises(CommandError):
        call_command("api_key", "Other", scopes="everything", stdout=io.StringIO())


def test_the_officer_makes_a_client_and_a_key_in_the_admin_and_sees_the_key_once(
    officer_client, service_a, settings
):
    settings.API_CALLBACK_ALLOW_LOOPBACK_HTTP = False
    form = {
        "name": "Marketing platform",
        "owner": "Marketing",
        "scopes": ["consent:read"],
        "services": [service_a.pk],
        "is_active": "on",
        "rate_limit": "600",
        "callback_url": "http://hooks.example.com/x",
        "keys-TOTAL_FORMS": "0",
        "keys-INITIAL_FORMS": "0",
    }
    refused = officer_client.post("/admin/portal/apiclient/add/", form)
    assert refused.status_code == 200 and not ApiClient.objects.exists()

    form["callback_url"] = "https://hooks.example.com/rights"
    response = officer_client.post("/admin/portal/apiclient/add/", form, follow=True)
    api_client = ApiClient.objects.get()
    assert api_client.scopes == ["consent:read"] and api_client.callback_secret
    assert api_client.callback_secret in response.content.decode()

    made = officer_client.post(
        "/admin/portal/apiclient/",
        {"action": "make_key", "_selected_action": [api_client.pk]},
        follow=True,
    )
    key = re.search(r"rp_[0-9a-f]{8}_[\w-]+", made.content.decode()).group(0)
    assert Client().get(URL, headers={"Authorization": f"Bearer {key}"}).status_code == 403
    listed = officer_client.get(f"/admin/portal/apiclient/{api_client.pk}/change/")
    assert key not in listed.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_calls_at_once_with_the_same_idempotency_key_file_one_request(
    make_client, customer_a, service_a
):
    """The unique constraint settles the race: the slower call answers the first request."""
    _api_client, headers = make_client(["requests:write"], [service_a])

    answers = api_file_at_once(headers, ["same", "same"])

    assert sorted(a.status_code for a in answers) == [200, 201]
    assert len({a.json()["reference"] for a in answers}) == 1
    assert RightsRequest.objects.count() == 1 == ApiFiling.objects.count()


def test_the_client_that_filed_a_deletion_of_everything_still_follows_it(
    client,
    make_client,
    customer_a,
    service_a,
    service_b,
    officer,
    django_capture_on_commit_callbacks,
):
    """GDPR art. 17 and 19: erasing everything removes the customer's registration with
    the client's service, by which the client saw the request; the client that filed it
    still reads its status and outcome."""
    from portal.kernel.models import ServiceRegistration
    from tests.rights.retention_support import approve

    _api_client, headers = make_client(["requests:write", "requests:read"], [service_a])
    filed = _file(
        client, headers, kind="deletion", scope={"everything": True}, idempotency_key="del-1"
    )
    assert filed.status_code == 201, filed.content
    request = RightsRequest.objects.get(subject=customer_a)
    with django_capture_on_commit_callbacks(execute=True):
        approve(request, officer)
    assert not ServiceRegistration.objects.filter(user=customer_a).exists()
    request.refresh_from_db()

    response = client.get(f"{URL}/{request.reference}", headers=headers)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == request.status
    listed = client.get(URL, headers=headers).json()["items"]
    assert [item["reference"] for item in listed] == [request.reference]
    # Another client of the same service follows it too: the request concerned the
    # service when it was filed. A client of a service the customer never had does not.
    _other, other_headers = make_client(["requests:read"], [service_a])
    assert client.get(f"{URL}/{request.reference}", headers=other_headers).status_code == 200
    _stranger, stranger_headers = make_client(["requests:read"], [service_b])
    assert client.get(f"{URL}/{request.reference}", headers=stranger_headers).status_code == 404
