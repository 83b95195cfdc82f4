"""Migration rights 0033: requests filed before ``registered_services`` existed get
the customer's registrations as they are when the migration runs."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from rights.models import RightsRequest
from tests.factories import ProfileFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("rights.migrations.0033_registered_services")


def test_older_requests_get_their_customers_registrations():
    customer = ProfileFactory().user
    mobile = RegistrationFactory(user=customer).service
    video = RegistrationFactory(user=customer).service
    unmatched_service = RegistrationFactory().service
    due = timezone.now() + dt.timedelta(days=14)
    # Rows as the release before wrote them: no registered services recorded.
    older, unmatched = RightsRequest.objects.bulk_create(
        [
            RightsRequest(subject=customer, requester=customer, kind="deletion", due_at=due),
            RightsRequest(subject=None, requester=None, kind="disclosure", due_at=due),
        ]
    )
    # The data step only quotes names and runs SQL; entering the editor is not needed
    # (and SQLite refuses to inside the test's transaction).
    migration.forwards(apps, connection.schema_editor())
    assert set(older.registered_services.all()) == {mobile, video}
    assert list(unmatched.registered_services.all()) == []
    assert unmatched_service not in older.registered_services.all()
