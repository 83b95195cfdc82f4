"""A legal hold placed after an erasure part went out tells its receiver at once to
keep what the hold covers (GDPR art. 17(3)(e); APPI art. 35): the portal promises
never to erase data under a legal hold, and an alert after the data is gone
(``connector.held_data_erased``) keeps nothing.

Before, only a staff part was narrowed when a hold was placed: a partner mailed
"erase Contact details", or a system that accepted the call and was still working,
was never told, and erased the held data.
"""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from portal.kernel import outbox
from portal.kernel.audit_labels import ACTION_LABELS
from portal.kernel.dates import portal_day
from portal.kernel.models import AuditEvent, OutboxMessage
from rights.connectors import client as connector_client
from rights.connectors import hold_notices, notices
from rights.connectors.models import SystemTask
from rights.retention.holds.services import hold_place
from rights.tasks import connectors_after_holds
from tests.api.fulfilment_support import callback, hold_contact_data, sent_over_http

pytestmark = pytest.mark.django_db
State = SystemTask.State
PARTNER = "privacy@archive.example"


def _hold(officer, deletion, **fields):
    fields = {"reason": "Claim pending in court", **fields}
    hold_place(actor=officer, legal_basis="GDPR art. 17(3)(e)", subject=deletion.subject, **fields)


def _mailed_to_partner(deletion, archive) -> SystemTask:
    """The archive is a partner told by e-mail: "erase Contact details and Usage history"."""
    archive.mode, archive.privacy_contact = "email", PARTNER
    archive.categories = ["contact", "usage"]
    archive.save(update_fields=["mode", "privacy_contact", "categories"])
    SystemTask.objects.filter(request=deletion).update(
        mode="email", instructions={"categories": ["contact", "usage"]}
    )
    task = SystemTask.objects.get(request=deletion)
    mail.outbox.clear()
    assert notices.task_mail(task.pk) is True
    assert len(mail.outbox) == 1
    return task


def test_a_hold_placed_after_the_partners_mail_tells_it_once_to_keep_the_held_kind(
    officer_client, deletion, archive, officer, django_capture_on_commit_callbacks
):
    task = _mailed_to_partner(deletion, archive)

    hold_contact_data(officer, deletion, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 2
    notice = mail.outbox[1]
    assert notice.to == [PARTNER]
    assert deletion.reference in notice.subject
    body = notice.body
    assert deletion.reference in body
    assert "連絡先" in body  # Contact details, in the partner's language (Japanese)
    assert "利用履歴" in body  # Usage history: the rest of the erasure stands
    assert "Claim pending in court" not in body  # never the hold's reason
    task.refresh_from_db()
    assert task.state == State.PENDING  # the partner still answers for the rest
    assert task.held_back == ["contact"]
    assert task.hold_notice["categories"] == ["contact"]
    told = AuditEvent.objects.get(action="connector.hold_notice")
    assert told.details["categories"] == ["contact"] and told.details["via"] == "email"
    assert told.subject_id == deletion.subject_id
    assert "connector.hold_notice" in ACTION_LABELS

    # A second hold on the same kind, or the same run again: nothing more is mailed.
    with django_capture_on_commit_callbacks(execute=True):
        _hold(officer, deletion, categories=["contact", "identity"], reason="Tax audit")
        assert hold_notices.holds_tell() == 0
    assert len(mail.outbox) == 2
    assert AuditEvent.objects.filter(action="connector.hold_notice").count() == 1

    page = officer_client.get(f"/admin/rights/rightsrequest/{deletion.pk}/change/")
    assert "rr-system-hold-told" in page.content.decode()

    # The partner confirms the rest: done, and what it was told to keep is not
    # reported as erased; it is asked for once the hold ends.
    assert notices.link_confirm(task) == "recorded"
    task.refresh_from_db()
    assert task.state == State.DONE and task.held_back == ["contact"]
    assert "erased_under_hold" not in task.outcome
    assert not AuditEvent.objects.filter(action="connector.held_data_erased").exists()


def test_the_notice_survives_a_crash_between_the_hold_and_the_mail(
    deletion, archive, officer, django_capture_on_commit_callbacks
):
    """The hold is committed but the process dies before anything after the commit
    ran: the notice waits in the outbox and goes out with the next drain."""
    _mailed_to_partner(deletion, archive)

    hold_contact_data(officer, deletion, lambda execute: django_capture_on_commit_callbacks())

    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.filter(published_at__isnull=True).exists()
    for minutes in (1, 2):  # the hold's message, then the mail it queued
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes)):
            outbox.drain()
    to_partner = [m for m in mail.outbox if m.to == [PARTNER]]
    assert len(to_partner) == 2
    assert "連絡先" in to_partner[1].body


def test_a_part_not_mailed_yet_is_narrowed_when_it_goes_out_not_told(
    deletion, archive, officer, django_capture_on_commit_callbacks
):
    archive.mode, archive.privacy_contact = "email", PARTNER
    archive.save(update_fields=["mode", "privacy_contact"])
    SystemTask.objects.filter(request=deletion).update(mode="email")
    mail.outbox.clear()

    hold_contact_data(officer, deletion, django_capture_on_commit_callbacks)

    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="connector.hold_notice").exists()


def test_an_accepted_http_part_shows_the_held_kind_in_the_api_read(
    client, linked, deletion, archive, officer, django_capture_on_commit_callbacks
):
    """The contract has no message to change a sent call: nothing unsigned is
    invented. The part's read (``tasks``) moves the kind to ``held_back`` at once,
    the trail records it, and a later ``done`` is still alerted (the portal cannot
    tell whether the system read the part again)."""
    _api_client, headers = linked
    archive.categories = ["contact", "usage"]
    archive.save(update_fields=["categories"])
    task = sent_over_http(deletion, archive, instructions={"categories": ["contact", "usage"]})
    mail.outbox.clear()

    with mock.patch.object(connector_client, "call", side_effect=AssertionError("no call")):
        hold_contact_data(officer, deletion, django_capture_on_commit_callbacks)

    assert mail.outbox == []
    read = client.get(f"/api/v1/requests/{deletion.reference}", headers=headers).json()
    [part] = read["tasks"]
    assert (part["categories"], part["held_back"], part["state"]) == (
        ["usage"],
        ["contact"],
        "pending",
    )
    told = AuditEvent.objects.get(action="connector.hold_notice")
    assert told.details == {"system": "Mobile archive", "categories": ["contact"], "via": "api"}

    response = callback(task)

    assert response.status_code == 200
    task.refresh_from_db()
    assert task.state == State.DONE
    assert task.outcome["erased_under_hold"] == ["contact"]
    assert task.held_back == []  # gone: nothing asked again when the hold ends
    assert AuditEvent.objects.filter(action="connector.held_data_erased").count() == 1


def test_a_hold_starting_tomorrow_is_told_by_the_daily_job_once_it_starts(
    deletion, archive, officer, django_capture_on_commit_callbacks
):
    _mailed_to_partner(deletion, archive)
    tomorrow = portal_day() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        _hold(officer, deletion, categories=["contact"], starts_on=tomorrow)
    assert len(mail.outbox) == 1  # not in force yet

    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        counts = connectors_after_holds()
    assert counts["told"] == 1
    assert len(mail.outbox) == 2 and "連絡先" in mail.outbox[1].body


def _told_over_http(deletion, archive, officer, capture) -> SystemTask:
    archive.categories = ["contact", "usage"]
    archive.save(update_fields=["categories"])
    task = sent_over_http(deletion, archive, instructions={"categories": ["contact", "usage"]})
    with mock.patch.object(connector_client, "call", side_effect=AssertionError("no call")):
        hold_contact_data(officer, deletion, capture)
    return task


def test_a_system_that_kept_the_held_kind_says_so_in_its_callback(
    deletion, archive, officer, django_capture_on_commit_callbacks
):
    """GDPR art. 17(3)(e): a system that read its part again and kept what a hold keeps
    says so (``kept``); the kind stays kept under the hold, is asked for once the hold
    ends, and the privacy office is not alerted of an erasure that did not happen."""
    task = _told_over_http(deletion, archive, officer, django_capture_on_commit_callbacks)

    response = callback(task, kept=["contact"])

    assert response.status_code == 200
    task.refresh_from_db()
    assert task.state == State.DONE
    assert task.held_back == ["contact"]
    assert "erased_under_hold" not in (task.outcome or {})
    assert not AuditEvent.objects.filter(action="connector.held_data_erased").exists()


def test_a_system_that_kept_the_held_kind_says_so_in_its_report(
    client, linked, deletion, archive, officer, django_capture_on_commit_callbacks
):
    """The same through the API's report (``POST .../fulfilment``)."""
    _api_client, headers = linked
    task = _told_over_http(deletion, archive, officer, django_capture_on_commit_callbacks)

    response = client.post(
        f"/api/v1/requests/{deletion.reference}/fulfilment",
        {"system": archive.pk, "outcome": "done", "kept": ["contact"]},
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 200, response.content
    task.refresh_from_db()
    assert (task.state, task.held_back) == (State.DONE, ["contact"])
    assert not AuditEvent.objects.filter(action="connector.held_data_erased").exists()
