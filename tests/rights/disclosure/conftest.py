"""Fixtures of the disclosure delivery tests: private storage of each test, a customer
with data, a completed disclosure."""

import pytest
from django.core.files.storage import FileSystemStorage

from rights.disclosure.models import DisclosurePackage
from tests.rights.disclosure_support import (
    customer_with_data,
    disclosure_in_progress,
)


@pytest.fixture(autouse=True)
def private_storage(tmp_path, monkeypatch):
    """The packages' private storage, in a directory of this test."""
    location = tmp_path / "private"
    field = DisclosurePackage._meta.get_field("file")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=str(location)))
    return location


@pytest.fixture
def subject(db):
    return customer_with_data(language="en")


@pytest.fixture
def completed(subject, officer, django_capture_on_commit_callbacks):
    """A disclosure put in progress; the task (in-process) builds and completes it."""
    with django_capture_on_commit_callbacks(execute=True):
        request = disclosure_in_progress(subject, officer)
    request.refresh_from_db()
    return request
