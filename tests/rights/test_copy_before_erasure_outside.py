"""A copy asked for first holds what connected systems hold, too: a deletion asks the
systems outside this database to erase only once the earlier disclosure's package is
built (APPI art. 33 then art. 35, GDPR art. 15 then art. 17, CCPA right to know then
right to delete; docs/connectors.md)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from rights.choices import Status
from rights.connectors.models import SystemTask
from rights.disclosure.package import write_package
from rights.disclosure.services import package_build

from .connector_support import customer_at_double, double_fixture  # noqa: F401
from .disclosure_support import disclosure_in_progress
from .retention_support import approve, file_deletion

pytestmark = pytest.mark.django_db


def _external_ids(disclosure) -> set[str]:
    buffer = io.BytesIO()
    write_package(disclosure, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        external = json.loads(archive.read("external_systems.json"))
    return {record["id"] for answer in external for record in answer["records"]}


def test_a_connected_system_erases_only_after_the_copy_asked_for_first_is_built(
    officer, double, django_capture_on_commit_callbacks
):
    customer = customer_at_double(double)
    disclosure = disclosure_in_progress(customer, officer)  # its build not run yet
    deletion = file_deletion(customer, categories=["contact", "usage"])
    with django_capture_on_commit_callbacks(execute=True):
        approve(deletion, officer)
    deletion.refresh_from_db()
    assert deletion.status == Status.IN_PROGRESS
    assert double.applied_count("erase") == 0
    assert not SystemTask.objects.filter(request=deletion).exists()
    assert _external_ids(disclosure) == {"m-1", "m-2"}

    with django_capture_on_commit_callbacks(execute=True):
        package = package_build(request=disclosure)
    assert package.summary["sources"]["external:Mailing service"] == 2
    assert double.applied_count("erase") == 1
    assert double.records_of(customer.email) == []
    deletion.refresh_from_db()
    assert deletion.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)


def test_a_deletion_with_no_copy_awaited_asks_the_system_at_once(
    officer, double, django_capture_on_commit_callbacks
):
    """GDPR art. 17(1), 19: no copy awaited, the erasure goes out as the deletion starts."""
    customer = customer_at_double(double)
    deletion = file_deletion(customer, categories=["contact", "usage"])
    with django_capture_on_commit_callbacks(execute=True):
        approve(deletion, officer)
    assert double.applied_count("erase") == 1
    assert SystemTask.objects.filter(request=deletion).count() == 1


def test_a_deletion_of_data_held_outside_only_waits_for_the_copy_too(
    officer, double, django_capture_on_commit_callbacks
):
    """Nothing to erase here (no usage history in this database), the usage the system
    holds: the deletion does not finish without asking the system, and asks it once
    the copy is built."""
    customer = customer_at_double(double, usage=0)
    disclosure = disclosure_in_progress(customer, officer)
    deletion = file_deletion(customer, categories=["usage"])
    with django_capture_on_commit_callbacks(execute=True):
        approve(deletion, officer)
    deletion.refresh_from_db()
    assert deletion.status == Status.IN_PROGRESS
    assert double.applied_count("erase") == 0

    with django_capture_on_commit_callbacks(execute=True):
        package_build(request=disclosure)
    assert double.applied_count("erase") == 1
    deletion.refresh_from_db()
    assert deletion.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)
