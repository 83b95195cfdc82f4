"""A system's ``done`` after its part failed (its call's retries ran out, or it said
``failed``) is what it did: recorded, the failed part done, with an audit event, so
staff stop chasing it and the request completes (GDPR art. 17(2), 19). On a request
closed meanwhile it is refused (409), as any late answer (docs/connectors.md, Answer).

Before, a signed callback's ``done`` on a failed part was answered 200 "already
settled" and forgotten: the part stayed failed and the request open, though the
system had erased the data.
"""

import pytest

from portal.kernel.audit_labels import ACTION_LABELS
from portal.kernel.models import AuditEvent
from rights import workflow
from rights.choices import RejectionGround, Status
from rights.connectors.models import SystemTask
from tests.api.fulfilment_support import callback, report, sent_over_http

pytestmark = pytest.mark.django_db
State = SystemTask.State


@pytest.fixture
def failed(deletion, archive) -> SystemTask:
    """The archive's HTTP part: accepted, then its retries ran out (failed for good)."""
    return sent_over_http(
        deletion, archive, attempts=10, state=State.FAILED, last_error="Connection refused"
    )


def test_a_late_callback_done_on_a_failed_part_is_recorded_and_completes_the_request(
    failed, deletion, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = callback(failed)

    assert (response.status_code, response.json()) == (200, {"status": "recorded"})
    failed.refresh_from_db()
    assert (failed.state, failed.last_error) == (State.DONE, "")
    assert failed.outcome == {"status": "done", "count": 3}
    event = AuditEvent.objects.get(action="connector.answered_after_failure")
    assert event.details == {
        "system": "Mobile archive",
        "operation": "erase",
        "answered": "done",
        "error": "Connection refused",
    }
    assert event.subject_id == deletion.subject_id
    assert "connector.answered_after_failure" in ACTION_LABELS
    deletion.refresh_from_db()
    assert deletion.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)


def test_a_late_done_through_the_api_on_a_failed_part_is_recorded_with_the_same_event(
    failed, linked, deletion, archive
):
    _api_client, headers = linked
    response = report(deletion, headers, system=archive.pk, outcome="done")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "done"
    event = AuditEvent.objects.get(action="connector.answered_after_failure")
    assert event.details["answered"] == "done"


def test_a_late_failed_on_a_failed_part_changes_nothing(failed):
    response = callback(failed, "failed")

    assert (response.status_code, response.json()) == (200, {"status": "already settled"})
    failed.refresh_from_db()
    assert (failed.state, failed.last_error) == (State.FAILED, "Connection refused")
    assert not AuditEvent.objects.filter(action="connector.answered_after_failure").exists()


def test_a_late_done_on_a_failed_part_of_a_refused_request_is_409(failed, deletion, officer):
    workflow.transition(
        deletion,
        to=Status.REJECTED,
        actor=officer,
        reason="The data is needed to defend a legal claim.",
        ground=RejectionGround.NO_GROUND,
    )

    response = callback(failed)

    assert response.status_code == 409
    assert response.json()["request_status"] == "rejected"
    failed.refresh_from_db()
    assert failed.state == State.FAILED
    refused = AuditEvent.objects.get(action="connector.answer_refused")
    assert refused.details["request_status"] == "rejected"
