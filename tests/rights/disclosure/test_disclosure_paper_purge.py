"""Paper delivery (APPI Art. 33(2): the person may choose paper) and the purge of
spent package files."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from portal.kernel.models import AuditEvent
from rights.choices import Status
from rights.disclosure.models import DisclosureDelivery, DisclosurePackage
from rights.models import RequestNotification, RetentionRun
from rights.retention import jobs
from rights.retention import purge as retention_purge
from tests.formats_support import shown_date
from tests.rights.disclosure_support import (
    disclosure_in_progress,
)

pytestmark = pytest.mark.django_db

State = DisclosureDelivery.State


@pytest.fixture
def paper(subject, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = disclosure_in_progress(subject, officer, delivery_method="paper")
    request.refresh_from_db()
    return request


def test_paper_request_waits_for_staff_and_builds_no_file(paper, private_storage):
    assert paper.status == Status.IN_PROGRESS
    assert DisclosureDelivery.objects.get(request=paper).state == State.TO_POST
    assert not DisclosurePackage.objects.filter(request=paper).exists()
    assert not private_storage.exists() or not any(private_storage.rglob("*.enc"))


def test_staff_print_the_answer_and_the_view_is_audited(paper, subject, officer, officer_client):
    """Staff viewing the person's data to print it leaves a staff.viewed_disclosure row."""
    page = officer_client.get(f"/admin/rights/rightsrequest/{paper.pk}/change/")
    assert f"/admin/rights/rightsrequest/{paper.pk}/disclosure/print/" in page.content.decode()
    assert "mark_posted" in page.content.decode()
    response = officer_client.get(f"/admin/rights/rightsrequest/{paper.pk}/disclosure/print/")
    assert response.status_code == 200
    html = b"".join(response.streaming_content).decode()
    assert subject.profile.full_name in html and paper.reference in html
    event = AuditEvent.objects.get(action="staff.viewed_disclosure")
    assert event.actor == officer and event.subject == subject


def test_sent_by_post_completes_with_the_posting_date(
    paper, subject, officer, officer_client, django_capture_on_commit_callbacks
):
    posted_on = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            f"/admin/rights/rightsrequest/{paper.pk}/disclosure/posted/",
            {"posted_on": posted_on.isoformat(), "confirm": "1"},
        )
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.status == Status.COMPLETED
    delivery = DisclosureDelivery.objects.get(request=paper)
    assert delivery.state == State.POSTED and delivery.posted_on == posted_on
    assert delivery.posted_by == officer
    notice = paper.notifications.get(kind=RequestNotification.Kind.COMPLETED)
    assert notice.context["posted_on"] == posted_on.isoformat()
    sent = [m for m in mail.outbox if m.to == [subject.email]][-1]
    assert f"by post on {shown_date(posted_on, 'en')}" in sent.body
    assert AuditEvent.objects.filter(action="disclosure.posted", actor=officer).exists()


def test_a_posting_date_in_the_future_changes_nothing(paper, officer_client):
    officer_client.cookies["django_language"] = "en"
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = officer_client.post(
        f"/admin/rights/rightsrequest/{paper.pk}/disclosure/posted/",
        {"posted_on": tomorrow.isoformat(), "confirm": "1"},
        follow=True,
    )
    assert "cannot be in the future" in response.content.decode()
    paper.refresh_from_db()
    assert paper.status == Status.IN_PROGRESS


def test_an_electronic_request_cannot_be_marked_posted(completed, officer_client):
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(
        f"/admin/rights/rightsrequest/{completed.pk}/disclosure/posted/",
        {"posted_on": timezone.localdate().isoformat(), "confirm": "1"},
        follow=True,
    )
    assert "can be recorded as posted" in response.content.decode()


def test_purge_deletes_expired_files_once_and_keeps_live_ones(
    subject, officer, completed, django_capture_on_commit_callbacks
):
    expired = DisclosurePackage.objects.get(request=completed)
    path = expired.file.path
    with django_capture_on_commit_callbacks(execute=True):
        live_request = disclosure_in_progress(subject, officer)
    live = DisclosurePackage.objects.get(request=live_request)
    DisclosurePackage.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )

    dry = jobs.run_purge(dry_run=True)
    assert dry.counts["disclosure-packages"]["rights.disclosurepackage"] == 1
    expired.refresh_from_db()
    assert expired.file_deleted_at is None

    run = jobs.run_purge()
    assert run.status == RetentionRun.Status.FINISHED
    assert run.counts["disclosure-packages"]["rights.disclosurepackage"] == 1
    expired.refresh_from_db()
    live.refresh_from_db()
    assert expired.file_deleted_at is not None and not expired.file
    import os

    assert not os.path.exists(path)
    assert live.file and os.path.exists(live.file.path)
    assert "disclosure-packages" not in jobs.run_purge().counts  # nothing left: idempotent


def test_purge_deletes_used_up_files_and_the_link_then_says_expired_or_used(completed):
    """A used-up file is kept for the one fresh link until it is renewed or expires."""
    package = DisclosurePackage.objects.get(request=completed)
    DisclosurePackage.objects.filter(pk=package.pk).update(download_count=1)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
        jobs.run_purge()
    package.refresh_from_db()
    assert package.file_deleted_at is None and package.may_renew()
    DisclosurePackage.objects.filter(pk=package.pk).update(renewed_at=timezone.now())
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        jobs.run_purge()
    package.refresh_from_db()
    assert package.file_deleted_at is not None
    assert package.unavailable_reason() == "used"


def test_beat_runs_the_purge_nightly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["rights-retention-purge"]
    assert entry["task"] == "rights.tasks.retention_purge"
    assert "disclosure-packages" in [p.key for p in retention_purge.purgers()]
