"""The systems on a request's working page: what the buttons do and what staff read."""

from __future__ import annotations

import pytest
from django.utils import translation

from rights.choices import Status
from rights.connectors.models import SystemTask
from rights.workflow import transition
from tests import sample_files

from .connector_support import (  # noqa: F401
    customer_at_double,
    double_fixture,
    every_use_stopped,
    staff_erasure,
    staff_task_system,
)
from .retention_support import approve, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db
State = SystemTask.State


def _deletion(officer, double, capture):
    customer = customer_at_double(double)
    request = file_deletion(customer, categories=["contact", "usage"])
    with capture(execute=True):
        approve(request, officer)
    return request, SystemTask.objects.get(request=request)


def test_retrying_a_task_that_has_not_failed_says_so_and_calls_nothing(
    officer, officer_client, double, django_capture_on_commit_callbacks
):
    """It said “… is tried again” for a task already done, and nothing was tried."""
    request, task = _deletion(officer, double, django_capture_on_commit_callbacks)
    assert task.state == State.DONE
    calls = len(double.calls)
    url = f"/admin/rights/rightsrequest/{request.pk}/systems/{task.pk}/retry/"
    with django_capture_on_commit_callbacks(execute=True):
        page = officer_client.post(url, follow=True).content.decode()
    assert "再試行できるのは失敗した依頼だけです（この依頼は「完了」です）。" in page
    assert "再試行します" not in page
    assert len(double.calls) == calls


def test_a_failed_task_of_a_request_no_longer_in_progress_is_not_tried_again(
    officer, officer_client, double, django_capture_on_commit_callbacks, settings
):
    """The retry set the task pending, and then it waited for ever: no call goes out
    for a rejected request, so it never settled."""
    settings.CONNECTOR_MAX_ATTEMPTS = 1
    double.behaviour = "fail"
    request, task = _deletion(officer, double, django_capture_on_commit_callbacks)
    assert task.state == State.FAILED
    transition(request, to=Status.REJECTED, actor=officer, reason="Filed twice", ground="other")
    url = f"/admin/rights/rightsrequest/{request.pk}/systems/{task.pk}/retry/"
    page = officer_client.post(url, follow=True).content.decode()
    assert "この請求はもう対応中ではないため、何も送信しません。" in page
    task.refresh_from_db()
    assert (task.state, task.attempts) == (State.FAILED, 1)


def test_the_moves_held_back_are_listed_with_japanese_punctuation(
    officer, officer_client, double, django_capture_on_commit_callbacks
):
    double.behaviour = "fail"
    request, _task = _deletion(officer, double, django_capture_on_commit_callbacks)
    assert request.status == Status.IN_PROGRESS
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    assert "<strong>完了、一部完了</strong>" in page.content.decode()


def test_a_decision_waiting_for_the_systems_cannot_be_paused_and_dropped(
    officer, officer_client, double, django_capture_on_commit_callbacks
):
    """Moved to “waiting for more information” while a stop waited for a system, the
    request lost its decision when the system answered, and stayed open for ever."""
    from rights.connectors import notices
    from rights.workflow import TransitionError

    customer = customer_with_records()
    staff_task_system("restrict")
    request = every_use_stopped(customer, officer, django_capture_on_commit_callbacks)
    assert request.status == Status.IN_PROGRESS
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/").content
    assert 'value="awaiting_customer"' not in page.decode()
    with pytest.raises(TransitionError):
        transition(request, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which one?")

    task = SystemTask.objects.get(request=request)
    with django_capture_on_commit_callbacks(execute=True):
        notices.staff_confirm(task=task, actor=officer, note="Flag set in the archive.")
    request.refresh_from_db()
    assert request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)


def test_the_evidence_of_a_confirmed_task_is_stored_encrypted_and_staff_can_open_it(
    officer, officer_client, django_capture_on_commit_callbacks
):
    """The file was stored in clear and nothing on the page led to it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.kernel.models import AuditEvent

    _customer, request, task = staff_erasure(officer, django_capture_on_commit_callbacks)
    content = sample_files.pdf(b"shredding certificate")
    pdf = SimpleUploadedFile("certificate.pdf", content, content_type="application/pdf")
    url = f"/admin/rights/rightsrequest/{request.pk}/systems/{task.pk}/confirm/"
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(url, {"note": "Shredded.", "evidence": pdf})
    task.refresh_from_db()
    with task.evidence.open("rb") as stored:
        assert b"shredding certificate" not in stored.read()

    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/").content.decode()
    link = f"/admin/rights/rightsrequest/{request.pk}/systems/{task.pk}/evidence/"
    assert f'href="{link}">証明書類</a>' in page
    response = officer_client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == content
    assert AuditEvent.objects.filter(
        action="staff.viewed_connector_evidence", actor=officer
    ).exists()


def test_a_disclosure_a_system_fails_names_that_system_to_staff(officer, double):
    """The build's failure read “Unavailable: HTTP 503”: staff could not tell which of
    the systems outside to look at."""
    from rights.connectors.client import Unavailable
    from rights.connectors.source import disclosed_records
    from rights.disclosure.failures import cause_of, technical_line

    customer = customer_at_double(double)
    double.behaviour = "fail"
    with pytest.raises(Unavailable) as raised:
        disclosed_records(customer, None)
    assert technical_line(raised.value) == "Unavailable: Mailing service: HTTP 503"
    assert cause_of(raised.value) == {
        "code": "system",
        "system": "Mailing service",
        "reason": "HTTP 503",
    }


def test_evidence_stored_in_clear_before_files_were_sealed_still_opens(
    officer, officer_client, django_capture_on_commit_callbacks
):
    """A file confirmed before evidence was encrypted answered HTTP 500 on opening."""
    from django.core.files.base import ContentFile

    _customer, request, task = staff_erasure(officer, django_capture_on_commit_callbacks)
    content = sample_files.pdf(b"old certificate")
    task.evidence.save("old.pdf", ContentFile(content), save=False)
    task.state, task.note = State.DONE, "Shredded."
    task.save()
    link = f"/admin/rights/rightsrequest/{request.pk}/systems/{task.pk}/evidence/"
    response = officer_client.get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content


def _reject(request, officer):
    transition(
        request,
        to=Status.REJECTED,
        actor=officer,
        reason="The data is needed to defend a legal claim.",
        ground="other",
    )
    request.refresh_from_db()


def _systems_section(client, request, language="en") -> str:
    client.cookies["django_language"] = language
    page = client.get(f"/admin/rights/rightsrequest/{request.pk}/change/").content.decode()
    section = page[page.index('id="rr-systems"') :]
    return section[: section.index("</fieldset>")]


@pytest.mark.parametrize("button", ["confirm", "impossible"])
def test_staff_cannot_settle_a_part_of_a_rejected_request_by_hand(
    officer, officer_client, django_capture_on_commit_callbacks, button
):
    """The API refuses a system's report on a closed request (409 request-closed), but
    “Confirm done” on the working page settled the part of a rejected request all the
    same: the record said the archive was erased for a request the officer refused."""
    from portal.kernel.models import AuditEvent

    _customer, request, task = staff_erasure(officer, django_capture_on_commit_callbacks)
    _reject(request, officer)
    url = f"/admin/rights/rightsrequest/{request.pk}/systems/{task.pk}/{button}/"
    with django_capture_on_commit_callbacks(execute=True):
        page = officer_client.post(
            url, {"note": "Deleted.", "reason": "Archive destroyed."}, follow=True
        ).content.decode()
    assert "この請求は「不承諾」のため、いまこのシステムに求めることはありません。" in page
    assert "何も記録していません。" in page
    task.refresh_from_db()
    assert (task.state, task.note, task.settled_at, task.settled_by) == (
        State.PENDING,
        "",
        None,
        None,
    )
    assert not AuditEvent.objects.filter(action="connector.settled").exists()
    request.refresh_from_db()
    assert request.status == Status.REJECTED


def test_a_withdrawn_request_refuses_staff_confirmation_before_the_holds_are_checked(
    officer, customer_user_for_withdrawal, django_capture_on_commit_callbacks
):
    """A staff erasure of a closed request is not re-checked against the holds either:
    that would settle it as not applicable on a request that asks nothing."""
    from django.core.exceptions import ValidationError

    from rights.connectors import notices

    request, task = customer_user_for_withdrawal
    with pytest.raises(ValidationError, match="“Withdrawn”: it asks nothing"):
        notices.staff_confirm(task=task, actor=officer, note="Deleted from the archive.")
    with pytest.raises(ValidationError, match="“Withdrawn”: it asks nothing"):
        notices.staff_impossible(task=task, actor=officer, reason="Archive destroyed.")
    task.refresh_from_db()
    assert (task.state, task.settled_at) == (State.PENDING, None)


@pytest.fixture
def customer_user_for_withdrawal(officer, django_capture_on_commit_callbacks):
    """A deletion paused for the customer while its staff erasure waits, then withdrawn:
    (the request, the task)."""
    customer, request, task = staff_erasure(officer, django_capture_on_commit_callbacks)
    transition(request, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which archive?")
    transition(request, to=Status.WITHDRAWN, actor=customer)
    request.refresh_from_db()
    return request, task


def test_a_part_of_a_rejected_request_reads_as_no_longer_asked(
    officer, officer_client, django_capture_on_commit_callbacks
):
    """After the rejection its pending part still read “Pending”, due on a day, with the
    buttons to confirm it, and the person's lines still waited for the system."""
    from portal.kernel import zones
    from rights.connectors.summary import customer_summary

    _customer, request, task = staff_erasure(officer, django_capture_on_commit_callbacks)
    assert task.due_at is not None
    _reject(request, officer)
    with translation.override("en"):
        day = zones.written(request.closed_at, "DATE_FORMAT")
    with translation.override("ja"):
        japanese_day = zones.written(request.closed_at, "DATE_FORMAT")

    systems = _systems_section(officer_client, request)
    assert f"No longer asked: the request was rejected on {day}." in systems, systems
    assert "Pending" not in systems
    assert "due " not in systems
    assert "/confirm/" not in systems and "/impossible/" not in systems
    assert "waiting" not in systems

    with translation.override("en"):
        lines = customer_summary(request).lines
    assert not [line for line in lines if "waiting" in line], lines

    japanese = _systems_section(officer_client, request, "ja")
    assert f"もう依頼していません。請求は{japanese_day}に不承諾となりました。" in japanese, japanese


def test_a_part_of_a_withdrawn_request_reads_as_no_longer_asked(
    officer, officer_client, customer_user_for_withdrawal
):
    from portal.kernel import zones

    request, _task = customer_user_for_withdrawal
    with translation.override("en"):
        day = zones.written(request.closed_at, "DATE_FORMAT")
    systems = _systems_section(officer_client, request)
    assert f"No longer asked: the request was withdrawn on {day}." in systems, systems


def test_a_part_of_a_request_in_progress_is_still_awaited_and_can_be_confirmed(
    officer, officer_client, django_capture_on_commit_callbacks
):
    _customer, request, task = staff_erasure(officer, django_capture_on_commit_callbacks)
    systems = _systems_section(officer_client, request)
    assert "Pending" in systems
    assert "No longer asked" not in systems
    assert f"/systems/{task.pk}/confirm/" in systems
