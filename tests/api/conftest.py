import datetime as dt

import pytest
from django.utils import timezone

from portal.kernel.api.auth import api_key_create
from portal.kernel.models import ApiClient
from tests.api.receiver_support import receiver  # noqa: F401 (a fixture)
from tests.factories import ProfileFactory, RegistrationFactory, ServiceFactory

# English messages: as in the rights tests.
from tests.rights.conftest import _english_messages  # noqa: E402, F401

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
