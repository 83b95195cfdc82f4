"""A system's signed callback that the portal cannot take: a forged signature written
with characters other than hex digits, and an answer that contradicts the part the
portal already settled (a legal hold kept it from being sent). Each is refused with a
JSON answer, nothing changes on the task, and a contradiction is in the audit trail
(docs/connectors.md, Answer)."""

import json
import time

import pytest

from portal.kernel.models import AuditEvent
from rights.connectors import dispatch
from rights.connectors.models import SystemTask
from rights.connectors.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_headers
from rights.retention.holds.services import hold_place

from .connector_support import (
    customer_at_double,
    double_fixture,  # noqa: F401  (the fixture "double")
)
from .retention_support import approve, file_deletion

pytestmark = pytest.mark.django_db
State = SystemTask.State


def _post(client, task, body: bytes, headers: dict):
    return client.post(
        f"/connectors/callback/{task.key}/", body, content_type="application/json", headers=headers
    )


def _answer(task, status="done") -> bytes:
    return json.dumps({"request_id": str(task.key), "status": status, "count": 2}).encode()


@pytest.fixture
def waiting(officer, double, django_capture_on_commit_callbacks):
    """An erasure at the double whose call timed out: the double erased, the portal waits."""
    customer = customer_at_double(double)
    double.behaviour, double.hang_seconds = "hang", 2.5
    request = file_deletion(customer, categories=["contact", "usage"])
    with django_capture_on_commit_callbacks(execute=True):
        approve(request, officer)
    task = SystemTask.objects.get(request=request)
    assert (task.state, task.attempts) == (State.PENDING, 1)
    deadline = time.monotonic() + 5
    while double.records_of(customer.email) and time.monotonic() < deadline:
        time.sleep(0.05)  # the double finishes erasing after the portal gave up waiting
    assert double.records_of(customer.email) == []
    return task


@pytest.mark.parametrize(
    "sent", ["\xe9" * 64, "v1=\xff", "\u00e9"], ids=["latin-1", "prefixed", "one"]
)
def test_a_signature_in_other_characters_than_hex_is_refused_as_any_forgery(client, waiting, sent):
    """A Latin-1 byte in the header reached hmac.compare_digest as a non-ASCII string,
    which raises: the forger got the site's 500 page."""
    body = _answer(waiting)
    headers = {TIMESTAMP_HEADER: str(int(time.time())), SIGNATURE_HEADER: sent}

    response = _post(client, waiting, body, headers)

    assert response.status_code == 401
    assert response.json() == {"error": "bad signature"}
    waiting.refresh_from_db()
    assert (waiting.state, waiting.settled_at) == (State.PENDING, None)


def test_an_answer_contradicting_a_part_a_hold_settled_is_refused_and_recorded(
    client, waiting, officer, django_capture_on_commit_callbacks
):
    """The call timed out, the double erased all the same; a hold placed since settled the
    part as kept under the hold. The double's late "done" was answered 200 "already
    settled" and left no trace: the portal went on saying the hold keeps the data there."""
    customer = waiting.request.subject
    hold_place(
        actor=officer,
        reason="Claim pending in court",
        legal_basis="GDPR art. 17(3)(e)",
        subject=customer,
    )
    SystemTask.objects.filter(pk=waiting.pk).update(next_attempt_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch.attempt(waiting.pk) == "done"
    waiting.refresh_from_db()
    assert waiting.state == State.NOT_APPLICABLE
    settled = (waiting.state, waiting.note, waiting.outcome, waiting.held_back)

    body = _answer(waiting)
    response = _post(client, waiting, body, signed_headers(waiting.system.secret, body))

    assert response.status_code == 409, response.content
    answer = response.json()
    assert answer["task_state"] == "not_applicable"
    assert "not_applicable" in answer["error"] and "privacy office" in answer["error"]
    waiting.refresh_from_db()
    assert (waiting.state, waiting.note, waiting.outcome, waiting.held_back) == settled
    refused = AuditEvent.objects.get(action="connector.answer_refused")
    assert refused.details == {
        "system": "Mailing service",
        "operation": "erase",
        "answered": "done",
        "request_status": waiting.request.status,
        "task_state": "not_applicable",
    }
    assert refused.subject_id == customer.pk

    # The same answer as recorded is a repeat: taken as before, nothing more recorded.
    body = _answer(waiting, "not_found")
    response = _post(client, waiting, body, signed_headers(waiting.system.secret, body))
    assert (response.status_code, response.json()) == (200, {"status": "already settled"})
    assert AuditEvent.objects.filter(action="connector.answer_refused").count() == 1


def test_a_signed_body_nested_deeper_than_the_parser_follows_is_400(client, waiting):
    """json.loads raises RecursionError, not ValueError: the system got a 500 page."""
    body = b"[" * 100_000 + b"]" * 100_000

    response = _post(client, waiting, body, signed_headers(waiting.system.secret, body))

    assert response.status_code == 400
    waiting.refresh_from_db()
    assert (waiting.state, waiting.settled_at) == (State.PENDING, None)


def test_a_body_too_large_to_read_is_refused_in_json(client, waiting, settings):
    """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` got the site's HTML error page, in
    Japanese: the service reads ``{"error": …}`` as for any other refusal."""
    body = json.dumps({"request_id": str(waiting.key), "status": "done", "pad": "a" * 3_000_000})
    response = _post(client, waiting, body.encode(), signed_headers("any", body.encode()))
    assert response.status_code == 413
    assert response.json() == {
        "error": f"the body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes"
    }
    waiting.refresh_from_db()
    assert waiting.state == State.PENDING
