import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.utils import translation

from portal.kernel.roles import AUDITOR, PRIVACY_OFFICER, SERVICE_HANDLER
from rights.models import RightsRequest
from rights.requesters.agents import agent_confirmation_request, confirmation_token
from rights.requesters.verification import identity_match_subject
from rights.services import request_submit
from tests.factories import ProfileFactory, UserFactory

from .identity_support import AGENT, file_public_request


@pytest.fixture(autouse=True)
def _english_messages():
    """Error messages are asserted in English; notices follow the recipient's language."""
    with translation.override("en"):
        yield


def make_staff(role: str, **kwargs):
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def handler(db):
    return make_staff(SERVICE_HANDLER)


@pytest.fixture
def auditor(db):
    return make_staff(AUDITOR)


@pytest.fixture
def file_request(db):
    def make(subject, kind="disclosure", **kwargs):
        return request_submit(subject=subject, requester=subject, kind=kind, **kwargs)

    return make


@pytest.fixture
def asked(officer, django_capture_on_commit_callbacks):
    """An appointed agent's request, matched, the person asked to confirm the agent."""
    person = ProfileFactory(user__email="hanako@example.com", full_name="山田 花子").user
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert file_public_request(visitor, AGENT, django_capture_on_commit_callbacks).status_code
    request = RightsRequest.objects.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        identity_match_subject(request=request, subject=person, actor=officer)
        identity = agent_confirmation_request(request=request, actor=officer)
    return request, f"/requests/confirm-agent/{confirmation_token(identity)}/"


__all__ = ["PRIVACY_OFFICER", "make_staff"]
