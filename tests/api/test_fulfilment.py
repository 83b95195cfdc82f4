"""A service's backend reports its system's part of a request through the API
(``POST /api/v1/requests/{ref}/fulfilment``, scope ``fulfilment:write``).

The report goes through the staff confirmation's service (``notices.task_settle``):
the request completes once every system answered (GDPR art. 17(2), 19), exactly
as when staff confirm the last task.
"""

import json

import pytest
from django.test import Client

from portal.kernel.models import AuditEvent, Service
from rights import workflow
from rights.choices import RejectionGround, Status
from rights.connectors.models import ExternalSystem, SystemTask
from rights.retention.holds.services import hold_place
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db
State = SystemTask.State


def _report(client, request, headers, **body):
    return client.post(
        f"/api/v1/requests/{request.reference}/fulfilment",
        json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def _task(request) -> SystemTask:
    return SystemTask.objects.get(request=request)


def test_a_key_without_the_scope_is_forbidden(client, make_client, deletion, archive):
    api_client, headers = make_client(
        ["requests:read"], services=[Service.objects.get(code="mobile")]
    )
    archive.api_clients.add(api_client)
    response = _report(client, deletion, headers, system=archive.pk, outcome="done")
    assert response.status_code == 403
    assert response.json()["type"].endswith("/scope-missing")
    assert _task(deletion).state == State.PENDING


def test_a_client_not_linked_to_the_system_gets_404_as_for_an_unknown_one(
    client, make_client, deletion, archive
):
    _api_client, headers = make_client(services=[Service.objects.get(code="mobile")])
    unlinked = _report(client, deletion, headers, system=archive.pk, outcome="done")
    unknown = _report(client, deletion, headers, system=archive.pk + 1000, outcome="done")
    assert unlinked.status_code == unknown.status_code == 404
    assert unlinked.json() == unknown.json()
    assert _task(deletion).state == State.PENDING


def test_a_request_outside_the_clients_services_is_404(client, make_client, deletion, archive):
    api_client, headers = make_client(services=[ServiceFactory(code="video")])
    archive.api_clients.add(api_client)
    response = _report(client, deletion, headers, system=archive.pk, outcome="done")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/request-not-found")
    assert _task(deletion).state == State.PENDING


def test_reporting_done_completes_the_deletion_with_its_notice_and_status_callback(
    client,
    linked,
    deletion,
    archive,
    receiver,  # noqa: F811  (the imported fixture)
    django_capture_on_commit_callbacks,
):
    """GDPR art. 17(2), 19: the last system's answer through the API completes the deletion."""
    _api_client, headers = linked
    live = receiver()
    subscribed = client.put(
        "/api/v1/callback",
        json.dumps({"url": live.url}),
        content_type="application/json",
        headers=headers,
    )
    live.secret = subscribed.json()["signing_secret"]

    with django_capture_on_commit_callbacks(execute=True):
        response = _report(
            client, deletion, headers, system=archive.pk, outcome="done", note="Erased in archive."
        )

    assert response.status_code == 200, response.content
    task = _task(deletion)
    deletion.refresh_from_db()
    assert (task.state, task.note, task.settled_by) == (State.DONE, "Erased in archive.", None)
    assert deletion.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)
    # The answer is the task's state as it was recorded; the request finishes after commit.
    assert response.json()["state"] == "done"
    assert response.json()["system"] == archive.pk
    notice = deletion.notifications.order_by("pk").last()
    assert "Your data was deleted from 2 of our systems" in notice.context["reason"]
    assert [e["data"]["status"] for e in live.events] == [deletion.status]
    call = AuditEvent.objects.filter(action="api.call").order_by("pk").last()
    assert call.details["outcome"] == 200 and call.details["system"] == archive.pk
    assert "Erased" not in json.dumps(call.details)


def test_the_same_report_again_is_200_and_changes_nothing(
    client, linked, deletion, archive, django_capture_on_commit_callbacks
):
    _api_client, headers = linked
    with django_capture_on_commit_callbacks(execute=True):
        first = _report(client, deletion, headers, system=archive.pk, outcome="done")
    settled = AuditEvent.objects.filter(action="connector.settled").count()
    status_changes = deletion.events.count()

    with django_capture_on_commit_callbacks(execute=True):
        again = _report(client, deletion, headers, system=archive.pk, outcome="done")

    assert first.status_code == again.status_code == 200
    deletion.refresh_from_db()
    assert again.json()["state"] == "done"
    assert again.json()["status"] == deletion.status
    assert AuditEvent.objects.filter(action="connector.settled").count() == settled
    assert deletion.events.count() == status_changes


def test_a_report_contradicting_the_recorded_outcome_is_409(client, linked, deletion, archive):
    _api_client, headers = linked
    _report(client, deletion, headers, system=archive.pk, outcome="not_applicable", note="None.")
    response = _report(client, deletion, headers, system=archive.pk, outcome="done")
    assert response.status_code == 409
    assert response.json()["type"].endswith("/task-settled")
    assert response["Content-Type"] == "application/problem+json"
    assert _task(deletion).state == State.NOT_APPLICABLE
    # The refused call is one event of the trail, naming whose request it was.
    refused = AuditEvent.objects.filter(action="api.call", details__outcome=409)
    assert refused.count() == 1
    assert refused.get().subject_id == deletion.subject_id


def test_a_report_on_a_part_a_hold_settled_says_the_hold_keeps_the_data(
    client, linked, deletion, archive, officer, django_capture_on_commit_callbacks
):
    """A hold placed while the system worked settled its part as kept under the hold.
    Its "done" was told only "already recorded as not_applicable", as if the system had
    said so itself: nothing said that a hold keeps the data, or whom to tell."""
    _api_client, headers = linked
    crm = ExternalSystem.objects.create(
        name="Mobile CRM", mode="manual", categories=["usage"], operations=["erase"]
    )
    SystemTask.objects.create(
        request=deletion,
        system=crm,
        operation="erase",
        mode="manual",
        instructions={"categories": ["usage"]},
    )
    with django_capture_on_commit_callbacks(execute=True):
        hold_place(
            actor=officer,
            reason="Claim pending in court",
            legal_basis="GDPR art. 17(3)(e)",
            subject=deletion.subject,
            categories=["contact"],
        )
    assert SystemTask.objects.get(system=archive).state == State.NOT_APPLICABLE
    deletion.refresh_from_db()
    assert deletion.status == Status.IN_PROGRESS  # the CRM's part is still awaited

    response = _report(client, deletion, headers, system=archive.pk, outcome="done")

    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("/task-settled")
    assert "legal hold keeps its data (contact)" in problem["detail"]
    assert "privacy office" in problem["detail"]
    assert SystemTask.objects.get(system=archive).state == State.NOT_APPLICABLE


def test_a_failure_is_shown_to_staff_and_the_request_stays_open(
    client, linked, deletion, archive, django_capture_on_commit_callbacks
):
    _api_client, headers = linked
    with django_capture_on_commit_callbacks(execute=True):
        response = _report(
            client, deletion, headers, system=archive.pk, outcome="failed", note="Tape offline."
        )
    assert response.status_code == 200
    task = _task(deletion)
    deletion.refresh_from_db()
    assert (task.state, task.last_error) == (State.FAILED, "Tape offline.")
    assert deletion.status == Status.IN_PROGRESS
    # Done later, once the archive is back: the request completes.
    with django_capture_on_commit_callbacks(execute=True):
        done = _report(client, deletion, headers, system=archive.pk, outcome="done")
    assert done.json()["state"] == "done"
    deletion.refresh_from_db()
    assert deletion.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)


def test_a_failure_keeps_its_whole_note_with_the_task(
    client, linked, deletion, archive, django_capture_on_commit_callbacks
):
    """docs/api.md: the note (at most 2,000 characters) is kept with the task."""
    _api_client, headers = linked
    note = "Tape library offline; " + "x" * 1500 + " end."
    with django_capture_on_commit_callbacks(execute=True):
        response = _report(
            client, deletion, headers, system=archive.pk, outcome="failed", note=note
        )
    assert response.status_code == 200
    task = _task(deletion)
    assert (task.state, task.note, task.last_error) == (State.FAILED, note, note)


def test_a_note_of_several_lines_is_kept_as_written(
    client, linked, deletion, archive, django_capture_on_commit_callbacks
):
    """A note says what was done, as staff write theirs: over lines, a tab included."""
    _api_client, headers = linked
    note = "Erased from the billing archive.\r\nTicket:\tOPS-1234\nChecked twice."
    with django_capture_on_commit_callbacks(execute=True):
        response = _report(client, deletion, headers, system=archive.pk, outcome="done", note=note)
    assert response.status_code == 200, response.content
    assert _task(deletion).note == note


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "erased"},
        {"outcome": "not_applicable"},
        {"outcome": "failed", "note": "   "},
        {"outcome": "done", "note": "x" * 2001},
        {"outcome": "done", "note": "Erased.\x00"},  # PostgreSQL refuses NUL in text
        {"outcome": "done", "notes": "Erased."},  # a field it does not know: not dropped
    ],
)
def test_bad_input_is_422_and_changes_nothing(client, linked, deletion, archive, body):
    _api_client, headers = linked
    response = _report(client, deletion, headers, system=archive.pk, **body)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"]
    assert _task(deletion).state == State.PENDING
    assert not AuditEvent.objects.filter(action="connector.settled").exists()


def test_a_privacy_officer_links_a_client_to_a_system_in_the_admin(officer_client, make_client):
    api_client, _headers = make_client()
    form = {
        "name": "Billing archive",
        "mode": "manual",
        "categories": ["contact"],
        "operations": ["erase"],
        "fields_text": "",
        "answer_days": "7",
        "timeout_seconds": "10",
        "is_active": "on",
        "api_clients": [str(api_client.pk)],
    }
    response = officer_client.post("/admin/rights/externalsystem/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    system = ExternalSystem.objects.get(name="Billing archive")
    assert list(system.api_clients.all()) == [api_client]
    page = officer_client.get(f"/admin/rights/externalsystem/{system.pk}/change/").content.decode()
    assert "APIによる回答" in page  # the admin speaks Japanese by default
    listing = officer_client.get("/admin/rights/externalsystem/").content.decode()
    assert f">{system.pk}<" in listing  # the id a client reports with


def _reject(request, officer):
    """Staff refuse the deletion while a system's part is still pending."""
    workflow.transition(
        request,
        to=Status.REJECTED,
        actor=officer,
        reason="The data is needed to defend a legal claim.",
        ground=RejectionGround.NO_GROUND,
    )
    request.refresh_from_db()
    return request


@pytest.mark.parametrize(
    "body",
    [{"outcome": "done"}, {"outcome": "failed", "note": "Archive offline."}],
)
def test_a_report_on_a_closed_request_is_409_naming_its_status_and_changes_nothing(
    client, linked, deletion, archive, officer, body, django_capture_on_commit_callbacks
):
    """A refused request asks nothing more of the systems (APPI art. 35, GDPR art. 17(3)):
    a report on it is refused, the task stays as it was and the trail records the call once."""
    _api_client, headers = linked
    _reject(deletion, officer)
    changes = deletion.events.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = _report(client, deletion, headers, system=archive.pk, **body)

    assert response.status_code == 409, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/request-closed")
    assert problem["request_status"] == "rejected"
    assert deletion.reference in problem["detail"] and "rejected" in problem["detail"]
    task = _task(deletion)
    assert (task.state, task.note, task.last_error, task.settled_at) == (
        State.PENDING,
        "",
        "",
        None,
    )
    deletion.refresh_from_db()
    assert deletion.status == Status.REJECTED
    assert deletion.events.count() == changes
    assert not AuditEvent.objects.filter(
        action__in=("connector.settled", "connector.failed")
    ).exists()
    refused = AuditEvent.objects.filter(action="api.call", details__outcome=409)
    assert refused.count() == 1
    assert refused.get().subject_id == deletion.subject_id
    assert refused.get().details["request_status"] == "rejected"


def test_another_outcome_after_the_request_completed_is_409_naming_its_status(
    client, linked, deletion, archive, django_capture_on_commit_callbacks
):
    """The report that completed the request may be repeated (200); a contrary one
    is refused with the request's status, so the integrator knows it is closed."""
    _api_client, headers = linked
    with django_capture_on_commit_callbacks(execute=True):
        _report(client, deletion, headers, system=archive.pk, outcome="done")
    deletion.refresh_from_db()
    assert deletion.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)

    again = _report(client, deletion, headers, system=archive.pk, outcome="done")
    contrary = _report(
        client, deletion, headers, system=archive.pk, outcome="failed", note="Tape offline."
    )

    assert again.status_code == 200
    assert contrary.status_code == 409
    assert contrary.json()["type"].endswith("/request-closed")
    assert contrary.json()["request_status"] == deletion.status
    assert _task(deletion).state == State.DONE


def test_an_erasure_asked_after_a_hold_ended_is_still_reported_on_its_closed_request(
    client, linked, deletion, archive, django_capture_on_commit_callbacks
):
    """docs/connectors.md: the task asking what a legal hold kept is carried out though
    its request closed meanwhile; the system's report on it is taken."""
    _api_client, headers = linked
    with django_capture_on_commit_callbacks(execute=True):
        _report(client, deletion, headers, system=archive.pk, outcome="done")
    deletion.refresh_from_db()
    first = _task(deletion)
    later = SystemTask.objects.create(
        request=deletion,
        system=archive,
        operation=first.operation,
        mode=first.mode,
        instructions={"categories": ["contact"]},
        follows=first,
    )

    response = _report(client, deletion, headers, system=archive.pk, outcome="done")

    assert response.status_code == 200, response.content
    later.refresh_from_db()
    assert later.state == State.DONE


def test_the_schema_names_the_closed_requests_status_in_the_conflict(client):
    schema = client.get("/api/v1/openapi.json").json()
    conflict = schema["paths"]["/api/v1/requests/{ref}/fulfilment"]["post"]["responses"]["409"]
    ref = conflict["content"]["application/problem+json"]["schema"]["$ref"]
    members = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    assert "request_status" in members


def test_a_part_done_after_a_failure_no_longer_shows_the_failure_to_staff(
    officer_client, linked, deletion, archive
):
    """Staff read the working page: a part the system has since done shows no error."""
    _api_client, headers = linked
    client = Client()  # the API's own, without the officer's session cookie
    failed = _report(
        client, deletion, headers, system=archive.pk, outcome="failed", note="Tape offline."
    )
    done = _report(client, deletion, headers, system=archive.pk, outcome="done", note="Online.")
    assert failed.status_code == done.status_code == 200, done.content

    task = _task(deletion)
    assert (task.state, task.last_error) == (State.DONE, "")
    page = officer_client.get(f"/admin/rights/rightsrequest/{deletion.pk}/change/")
    assert page.status_code == 200
    assert "Tape offline." not in page.content.decode()
