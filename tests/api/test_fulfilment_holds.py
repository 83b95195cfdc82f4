"""A system reports ``done`` on an erasure a legal hold placed since keeps part of
(GDPR art. 17(3)(e), APPI art. 35): the portal records what the system says it did,
never a false "kept under a legal hold", and tells the privacy office that held data
was erased; a part the hold already settled as kept refuses the ``done`` (409), as a
callback does (docs/api.md, Fulfilment; docs/connectors.md, Answer).

Before, an HTTP connector's part (not narrowed when the hold is placed: it was already
sent) reported done through the API or by callback was recorded as a plain ``done``:
nobody learnt that the data a court needs had been erased at the system.
"""

import pytest

from portal.kernel.audit_labels import ACTION_LABELS
from portal.kernel.models import AuditEvent
from rights.connectors import notices
from rights.connectors.models import ExternalSystem, SystemTask
from tests.api.fulfilment_support import callback, hold_contact_data, report, sent_over_http

pytestmark = pytest.mark.django_db
State = SystemTask.State


def _assert_erased_under_hold(task, deletion):
    task.refresh_from_db()
    assert task.state == State.DONE  # what the system did, not a false "kept"
    assert task.held_back == []  # nothing asked again when the hold ends: it is gone
    assert task.outcome["erased_under_hold"] == ["contact"]
    alert = AuditEvent.objects.get(action="connector.held_data_erased")
    assert alert.subject_id == deletion.subject_id
    assert alert.details["system"] == "Mobile archive"
    assert alert.details["categories"] == ["contact"]
    assert "connector.held_data_erased" in ACTION_LABELS


def test_done_through_the_api_on_a_part_a_hold_keeps_since_is_recorded_and_alerted(
    officer_client, linked, deletion, archive, officer, django_capture_on_commit_callbacks
):
    _api_client, headers = linked
    task = sent_over_http(deletion, archive)
    hold_contact_data(officer, deletion, django_capture_on_commit_callbacks)
    task.refresh_from_db()
    assert task.state == State.PENDING  # the call went out before the hold

    response = report(deletion, headers, system=archive.pk, outcome="done")

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "done"
    _assert_erased_under_hold(task, deletion)
    page = officer_client.get(f"/admin/rights/rightsrequest/{deletion.pk}/change/")
    text = page.content.decode()
    assert "rr-system-held-erased" in text
    assert "法的保全の対象なのに消去済みと報告" in text  # the officer reads Japanese


def test_a_callback_done_on_a_part_a_hold_keeps_since_is_recorded_and_alerted(
    linked, deletion, archive, officer, django_capture_on_commit_callbacks
):
    task = sent_over_http(deletion, archive)
    hold_contact_data(officer, deletion, django_capture_on_commit_callbacks)

    response = callback(task)

    assert (response.status_code, response.json()) == (200, {"status": "recorded"})
    _assert_erased_under_hold(task, deletion)


def test_done_on_a_part_no_hold_keeps_is_a_plain_done(client, linked, deletion, archive):
    _api_client, headers = linked
    task = sent_over_http(deletion, archive)

    response = report(deletion, headers, system=archive.pk, outcome="done")

    assert response.status_code == 200
    task.refresh_from_db()
    assert task.state == State.DONE and "erased_under_hold" not in task.outcome
    assert not AuditEvent.objects.filter(action="connector.held_data_erased").exists()


def test_done_on_a_part_the_hold_settled_as_kept_is_409_and_told_the_privacy_office(
    client, linked, deletion, archive, officer, django_capture_on_commit_callbacks
):
    """The staff task was settled as kept when the hold was placed: the system's "done"
    is refused as a callback's is, and recorded as one (``connector.answer_refused``)."""
    _api_client, headers = linked
    crm = ExternalSystem.objects.create(
        name="Mobile CRM", mode="manual", categories=["usage"], operations=["erase"]
    )
    SystemTask.objects.create(  # still awaited: the request stays in progress
        request=deletion, system=crm, operation="erase", mode="manual"
    )
    hold_contact_data(officer, deletion, django_capture_on_commit_callbacks)
    task = SystemTask.objects.get(request=deletion, system=archive)
    assert (task.state, task.sent_nothing) == (State.NOT_APPLICABLE, True)

    response = report(deletion, headers, system=archive.pk, outcome="done")

    assert response.status_code == 409
    assert response.json()["type"].endswith("/task-settled")
    task.refresh_from_db()
    assert task.state == State.NOT_APPLICABLE
    refused = AuditEvent.objects.get(action="connector.answer_refused")
    assert refused.details["answered"] == "done"
    assert refused.details["task_state"] == "not_applicable"
    assert refused.subject_id == deletion.subject_id


def test_a_partners_link_confirmation_on_a_part_a_hold_keeps_since_is_alerted_too(
    deletion, archive, officer, django_capture_on_commit_callbacks
):
    """The e-mail went out before the hold (an e-mail part is narrowed when it goes out):
    the partner's "done" through its link is what it did, and the office is told."""
    SystemTask.objects.filter(request=deletion).update(mode="email")
    hold_contact_data(officer, deletion, django_capture_on_commit_callbacks)
    task = SystemTask.objects.get(request=deletion)

    assert notices.link_confirm(task) == "recorded"

    _assert_erased_under_hold(task, deletion)


def test_a_hold_narrows_a_failed_staff_part_as_a_pending_one(
    linked, deletion, archive, officer, django_capture_on_commit_callbacks
):
    """The system said it failed; staff may retry it or the system report again: a hold
    placed meanwhile keeps its data out of the part at once, as for a pending part."""
    _api_client, headers = linked
    failed = report(deletion, headers, system=archive.pk, outcome="failed", note="Offline.")
    assert failed.json()["state"] == "failed"

    hold_contact_data(officer, deletion, django_capture_on_commit_callbacks)

    task = SystemTask.objects.get(request=deletion)
    assert (task.state, task.held_back, task.sent_nothing) == (
        State.NOT_APPLICABLE,
        ["contact"],
        True,
    )
