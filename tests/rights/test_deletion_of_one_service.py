"""A deletion limited to one service leaves the login account alone, so its answer
says nothing about keeping the account and is complete when nothing in that service
is held (APPI art. 35; GDPR art. 17)."""

from __future__ import annotations

import pytest
import time_machine

from portal.kernel.models import User
from portal.records.models import UsageRecord
from rights import workflow
from rights.choices import Status
from rights.retention.preview import erasure_preview
from tests.factories import RegistrationFactory, ServiceFactory, UsageRecordFactory

from .retention_support import approve, at, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db

LOGIN_LINE = "Your login account"


@pytest.fixture
def video_only():
    """A customer of mobile (with invoices the law keeps) and of video (usage only),
    who asks to delete everything of video."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=2)
        video = ServiceFactory(code="video", name="ビデオ", name_en="Video")
        RegistrationFactory(user=customer, service=video)
        UsageRecordFactory(user=customer, service=video)
        return file_deletion(customer, services=[video])


def test_the_plan_of_one_service_keeps_no_login_account(video_only, officer):
    with time_machine.travel(at(2026, 7, 1), tick=False):
        workflow.transition(video_only, to=Status.IN_REVIEW, actor=officer)
        plan = erasure_preview(video_only)
    assert not plan.account_kept


def test_deleting_one_service_with_nothing_held_is_completed_without_the_account_line(
    video_only, officer, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(at(2026, 7, 1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        request = approve(video_only, officer)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    reason = request.notifications.get(kind="completed").context["reason"]
    assert LOGIN_LINE not in reason
    assert "We must keep" not in reason
    customer = User.objects.get(pk=request.subject_id)
    assert customer.is_active
    assert list(
        UsageRecord.objects.filter(user=customer).values_list("service__code", flat=True)
    ) == [
        "mobile",
        "mobile",
    ]


def test_the_japanese_answer_to_one_service_says_nothing_of_the_login_account(
    officer, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(language="ja", usage=1)
        video = ServiceFactory(code="video", name="ビデオ", name_en="Video")
        RegistrationFactory(user=customer, service=video)
        request = file_deletion(customer, services=[video])
        with django_capture_on_commit_callbacks(execute=True):
            request = approve(request, officer)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert "ログイン" not in request.notifications.get(kind="completed").context["reason"]
