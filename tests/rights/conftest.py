import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from portal.kernel.roles import AUDITOR, PRIVACY_OFFICER, SERVICE_HANDLER
from rights.services import request_submit
from tests.factories import UserFactory


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


__all__ = ["PRIVACY_OFFICER", "make_staff"]
