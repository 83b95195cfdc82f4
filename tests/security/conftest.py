"""Fixtures of the hostile-input suite: a customer with data, another one, row counts."""

from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.test import Client

from consent.models import ConsentRecord
from portal.kernel.models import AuditEvent, Profile, User
from rights.models import Payment, PaymentEvent, RequestEvent, RequestMessage, RightsRequest
from rights.requesters.models import EmailConfirmation, IdentityDocument, RequestIdentity
from rights.services import message_post, request_submit
from tests.factories import ProfileFactory, RegistrationFactory, ServiceFactory

# Rows a refused input must not add (audit events are counted apart: a refusal
# may well be audited).
STORED = [User, Profile, RightsRequest, RequestMessage, RequestEvent, ConsentRecord, Payment]
STORED += [PaymentEvent, EmailConfirmation, RequestIdentity, IdentityDocument]


def snapshot() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in STORED}


@pytest.fixture(autouse=True)
def _english(settings):
    """Pages answer in English, so the messages can be read in the assertions."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def customer(db):
    profile = ProfileFactory(phone="03-1111-2222", address="東京都千代田区1-1", user__language="en")
    RegistrationFactory(user=profile.user, service=ServiceFactory(code="mobile"))
    return profile.user


@pytest.fixture
def other_customer(db):
    profile = ProfileFactory(phone="06-9999-8888")
    RegistrationFactory(user=profile.user, service=ServiceFactory(code="energy"))
    return profile.user


@pytest.fixture
def others_request(other_customer):
    request = request_submit(
        subject=other_customer, requester=other_customer, kind="disclosure", details="B's request"
    )
    message_post(request=request, author=other_customer, body="B's private message")
    return request


@pytest.fixture
def own_request(customer):
    return request_submit(subject=customer, requester=customer, kind="disclosure")


@pytest.fixture
def csrf_client(stepped_up_client):
    """The stepped-up customer's session in a client that checks CSRF like a browser."""
    client = Client(enforce_csrf_checks=True)
    client.cookies = stepped_up_client.cookies
    return client


__all__ = ["AuditEvent", "snapshot"]


@pytest.fixture
def upload_dir(monkeypatch, tmp_path) -> Path:
    """Attachments and documents go to a temporary directory the test can look into."""
    storage = FileSystemStorage(location=str(tmp_path))
    monkeypatch.setattr(RequestMessage._meta.get_field("attachment"), "storage", storage)
    monkeypatch.setattr(IdentityDocument._meta.get_field("file"), "storage", storage)
    return tmp_path
