"""A system's late answer (the JSON contract's signed callback) on a request that staff
closed meanwhile: refused with the request's status, nothing recorded on the task,
one event in the audit trail (docs/connectors.md, Answer)."""

import json

import pytest

from portal.kernel.models import AuditEvent
from rights import workflow
from rights.choices import RejectionGround, Status
from rights.connectors.models import ExternalSystem, SystemTask
from rights.connectors.signing import signed_headers

from .retention_support import approve, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db
SECRET = "the billing system's shared secret"


@pytest.fixture
def task(officer):
    """The billing system's erasure, accepted (202) and not yet answered."""
    ExternalSystem.objects.create(
        name="Billing",
        mode="api",
        base_url="https://billing.example",
        secret=SECRET,
        categories=["contact"],
        operations=["erase"],
    )
    request = approve(file_deletion(customer_with_records(), categories=["contact"]), officer)
    return SystemTask.objects.get(request=request)


def _answer(client, task, status="done"):
    body = json.dumps({"request_id": str(task.key), "status": status, "count": 1}).encode()
    return client.post(
        f"/connectors/callback/{task.key}/",
        body,
        content_type="application/json",
        headers=signed_headers(SECRET, body),
    )


@pytest.mark.parametrize("answered", ["done", "failed"])
def test_an_answer_on_a_rejected_request_is_409_and_records_nothing(
    client, task, officer, answered
):
    """GDPR art. 17(3): staff refused the deletion; a late answer does not settle its part."""
    workflow.transition(
        task.request,
        to=Status.REJECTED,
        actor=officer,
        reason="The data is needed to defend a legal claim.",
        ground=RejectionGround.NO_GROUND,
    )

    response = _answer(client, task, answered)

    assert response.status_code == 409, response.content
    assert response.json()["request_status"] == "rejected"
    assert "rejected" in response.json()["error"]
    task.refresh_from_db()
    assert (task.state, task.last_error, task.settled_at) == (SystemTask.State.PENDING, "", None)
    refused = AuditEvent.objects.filter(action="connector.answer_refused")
    assert refused.count() == 1
    assert refused.get().details == {
        "system": "Billing",
        "operation": "erase",
        "answered": answered,
        "request_status": "rejected",
    }
    assert not AuditEvent.objects.filter(action="connector.settled").exists()


def test_an_answer_on_a_request_in_progress_is_still_recorded(client, task):
    response = _answer(client, task)

    assert response.status_code == 200, response.content
    task.refresh_from_db()
    assert task.state == SystemTask.State.DONE
