"""An answer larger than ``CONNECTOR_ANSWER_MAX_BYTES`` fails its part, and nothing of it counts.

A system (or whoever answers at its address) that sends a huge body would have
the worker read it all into memory. The call is cut off at the cap instead: the
part fails at once (the contract applies each request id once, so asking again
would bring the same answer), with the limit and the setting named to staff in
their language, and nothing of what arrived is recorded. Raising the setting and
pressing *Retry* reads it. The system is the test double on a loopback port.
"""

import json

import pytest

from portal.kernel.models import AuditEvent
from rights.choices import Status
from rights.connectors.models import SystemTask

from .connector_support import (
    customer_at_double,
    double_fixture,  # noqa: F401  (the fixture "double")
    systems_section,
)
from .retention_support import approve, file_deletion

pytestmark = pytest.mark.django_db
CAP = 64 * 1024
STORED = (
    f"The answer is larger than {CAP} bytes, the most the portal reads of one answer "
    "(setting CONNECTOR_ANSWER_MAX_BYTES); nothing of it was recorded."
)


def _oversized_answer() -> bytes:
    """A valid answer of about 100 KiB, whose count would be recorded were it read."""
    record = {"category": "usage", "values": {"x": "y" * 1000}}
    records = [{"id": f"m-{n}", **record} for n in range(99)]
    return json.dumps({"status": "done", "count": 99, "records": records}).encode()


@pytest.mark.parametrize("behaviour", ["raw", "endless"])
def test_an_oversized_answer_fails_the_part_at_once_and_records_nothing_of_it(
    behaviour, officer, officer_client, double, settings, django_capture_on_commit_callbacks
):
    settings.CONNECTOR_ANSWER_MAX_BYTES = CAP
    customer = customer_at_double(double)
    double.behaviour, double.raw_answer = behaviour, _oversized_answer()
    request = file_deletion(customer, categories=["contact"])
    with django_capture_on_commit_callbacks(execute=True):
        approve(request, officer)

    task = SystemTask.objects.get(request=request)
    assert (task.state, task.attempts, task.next_attempt_at) == (SystemTask.State.FAILED, 1, None)
    assert task.last_error == STORED
    assert not task.outcome  # no count, nothing of the answer
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS  # waits for the system
    assert AuditEvent.objects.filter(action="connector.failed", subject=customer).exists()

    english = systems_section(officer_client, request, "en")
    assert "larger than 65,536 bytes" in english and "CONNECTOR_ANSWER_MAX_BYTES" in english
    assert 'name="retry_system"' in english
    japanese = systems_section(officer_client, request, "ja")
    assert "上限の65,536バイト（設定 CONNECTOR_ANSWER_MAX_BYTES）を超えています" in japanese
    assert "応答の内容は何も記録していません" in japanese


def test_with_the_cap_raised_the_retry_reads_the_answer(
    officer, officer_client, double, settings, django_capture_on_commit_callbacks
):
    settings.CONNECTOR_ANSWER_MAX_BYTES = CAP
    customer = customer_at_double(double)
    double.behaviour, double.raw_answer = "raw", _oversized_answer()
    request = file_deletion(customer, categories=["contact"])
    with django_capture_on_commit_callbacks(execute=True):
        approve(request, officer)
    task = SystemTask.objects.get(request=request)
    assert task.state == SystemTask.State.FAILED

    settings.CONNECTOR_ANSWER_MAX_BYTES = 1024 * 1024
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(f"/admin/rights/rightsrequest/{request.pk}/systems/{task.pk}/retry/")
    task.refresh_from_db()
    assert (task.state, task.last_error, task.outcome.get("count")) == ("done", "", 99)
