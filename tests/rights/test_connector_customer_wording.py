"""What the customer reads about the systems outside this database, in Japanese."""

from __future__ import annotations

import pytest

from rights.choices import Status
from rights.connectors import notices
from rights.connectors.models import SystemTask

from .connector_support import (  # noqa: F401
    customer_at_double,
    double_fixture,
    every_use_stopped,
    staff_task_system,
)
from .retention_support import approve, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db


def test_the_deletion_notice_tells_of_the_systems_in_a_paragraph_of_its_own(
    officer, double, django_capture_on_commit_callbacks
):
    """The sentences about the systems were glued to the last line of the list of what is
    kept, with a space before each (「…ください。 お客様のデータを…。 1件には…」)."""
    customer = customer_at_double(double, language="ja")
    staff_task_system("erase")
    request = file_deletion(customer, categories=["contact", "usage"])
    with django_capture_on_commit_callbacks(execute=True):
        approve(request, officer)
    archive = SystemTask.objects.get(request=request, mode="manual")
    with django_capture_on_commit_callbacks(execute=True):
        notices.staff_impossible(task=archive, actor=officer, reason="Archive destroyed.")
    request.refresh_from_db()
    assert request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)
    reason = request.notifications.order_by("pk").last().context["reason"]
    systems = (
        "お客様のデータを当社の2件のシステムから削除しました。"
        "1件には対応を依頼できず、その理由を記録しました。"
    )
    assert reason.endswith("\n\n" + systems), reason


def test_the_notice_of_a_stop_says_what_the_systems_outside_did(
    officer, django_capture_on_commit_callbacks
):
    """The final notice of a stop held for the systems said only “completed”, though one
    system could not stop (a deletion's notice says it)."""
    customer = customer_with_records()
    staff_task_system("restrict")
    request = every_use_stopped(customer, officer, django_capture_on_commit_callbacks)
    task = SystemTask.objects.get(request=request)
    with django_capture_on_commit_callbacks(execute=True):
        notices.staff_impossible(task=task, actor=officer, reason="Archive destroyed.")
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    reason = request.notifications.order_by("pk").last().context["reason"]
    assert "1 could not be reached; we recorded why." in reason
