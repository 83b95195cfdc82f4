"""The API's answers carry a customer's data: none may be kept by a cache.

A logged-in person's pages get ``no-store`` from the session middleware; an API
call has no session, so the API says it itself. The permissions answers alone
say how long a client may reuse them (``private, max-age``, docs/api.md).
"""

import pytest

from portal.kernel.api.auth import api_key_create
from portal.kernel.models import ApiClient
from rights.services import request_submit
from tests.api.filing_support import api_file
from tests.factories import ProfileFactory, RegistrationFactory, ServiceFactory

pytestmark = pytest.mark.django_db

SCOPES = ["requests:read", "requests:write", "consent:read"]


@pytest.fixture
def headers():
    api_client = ApiClient.objects.create(
        name="call centre", owner="Integration team", scopes=SCOPES, all_services=True
    )
    _row, key = api_key_create(client=api_client, label="test")
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def member():
    profile = ProfileFactory(phone="03-1111-2222")
    RegistrationFactory(user=profile.user, service=ServiceFactory(code="mobile"))
    RegistrationFactory(user=profile.user, member_number="M-C-0001")
    return profile.user


@pytest.fixture
def filed(member):
    return request_submit(subject=member, requester=member, kind="disclosure")


def _never_stored(response):
    assert "no-store" in response.get("Cache-Control", ""), response.get("Cache-Control")
    assert "private" in response["Cache-Control"]


def test_a_request_read_through_the_api_is_not_stored(client, headers, filed):
    response = client.get(f"/api/v1/requests/{filed.reference}", headers=headers)

    assert response.status_code == 200, response.content
    _never_stored(response)


def test_the_request_list_is_not_stored(client, headers, filed):
    response = client.get("/api/v1/requests", {"limit": 5}, headers=headers)

    assert response.status_code == 200, response.content
    assert response.json()["items"]
    _never_stored(response)


def test_a_filing_and_a_refusal_are_not_stored(client, headers, member):
    filing = api_file(client, headers, subject="M-C-0001")
    refusal = client.get("/api/v1/requests/R-999999", headers=headers)

    assert filing.status_code == 201, filing.content
    _never_stored(filing)
    assert refusal.status_code == 404
    _never_stored(refusal)


def test_a_permissions_answer_keeps_its_own_short_reuse(client, headers, member):
    response = client.get(
        "/api/v1/subjects/M-C-0001/permissions", {"purpose": "marketing"}, headers=headers
    )

    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "private, max-age=60"
