import datetime as dt

import pytest
from django.utils import timezone

from portal.kernel.api.auth import api_key_create
from portal.kernel.models import ApiClient, Service
from rights.choices import Status
from rights.connectors.models import ExternalSystem, SystemTask
from tests.api.receiver_support import file_calling_back, receiver  # noqa: F401 (fixtures)
from tests.factories import ProfileFactory, RegistrationFactory, ServiceFactory

# English messages: as in the rights tests.
from tests.rights.conftest import _english_messages  # noqa: E402, F401
from tests.rights.retention_support import approve, customer_with_records, file_deletion

ALL_SCOPES = ["requests:write", "requests:read", "consent:read", "fulfilment:write"]


@pytest.fixture
def service_a(db):
    return ServiceFactory(code="mobile")


@pytest.fixture
def service_b(db):
    return ServiceFactory(code="video")


@pytest.fixture
def customer_a(service_a):
    user = ProfileFactory().user
    RegistrationFactory(user=user, service=service_a, member_number="M-A-0001")
    return user


@pytest.fixture
def customer_b(service_b):
    user = ProfileFactory().user
    RegistrationFactory(user=user, service=service_b, member_number="M-B-0001")
    return user


@pytest.fixture
def make_client(db):
    """``make_client(scopes, services)`` -> (ApiClient, headers with a fresh key)."""

    def make(scopes=ALL_SCOPES, services=(), *, all_services=False, expires_at=None, **fields):
        client = ApiClient.objects.create(
            name=f"client {ApiClient.objects.count() + 1}",
            owner="Integration team",
            scopes=list(scopes),
            all_services=all_services,
            **fields,
        )
        client.services.set(services)
        _row, key = api_key_create(client=client, label="test", expires_at=expires_at)
        return client, {"Authorization": f"Bearer {key}"}

    return make


def later(**kwargs) -> dt.datetime:
    return timezone.now() + dt.timedelta(**kwargs)


@pytest.fixture
def archive(db):
    """The mobile service's own archive: it erases contact data, and answers through the API."""
    return ExternalSystem.objects.create(
        name="Mobile archive", mode="manual", categories=["contact"], operations=["erase"]
    )


@pytest.fixture
def deletion(archive, officer, django_capture_on_commit_callbacks):
    """A deletion in progress whose only pending part is the archive's."""
    customer = customer_with_records()
    request = file_deletion(customer, categories=["contact", "usage"])
    with django_capture_on_commit_callbacks(execute=True):
        approve(request, officer)
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert SystemTask.objects.get(request=request).state == SystemTask.State.PENDING
    return request


@pytest.fixture
def linked(make_client, archive, deletion):
    """A client of the mobile service linked to the archive: (ApiClient, headers)."""
    api_client, headers = make_client(services=[Service.objects.get(code="mobile")])
    archive.api_clients.add(api_client)
    return api_client, headers
