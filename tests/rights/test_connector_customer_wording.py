"""What the customer reads about the systems outside this database, in Japanese."""

from __future__ import annotations

import pytest

from rights.choices import Status
from rights.connectors import notices
from rights.connectors.models import ExternalSystem, SystemTask

from .connector_support import api_system, double_fixture, seed_double  # noqa: F401
from .retention_support import approve, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db


def test_the_deletion_notice_tells_of_the_systems_in_a_paragraph_of_its_own(
    officer, double, django_capture_on_commit_callbacks
):
    """The sentences about the systems were glued to the last line of the list of what is
    kept, with a space before each (「…ください。 お客様のデータを…。 1件には…」)."""
    customer = customer_with_records(language="ja")
    seed_double(double, customer)
    api_system(double)
    ExternalSystem.objects.create(
        name="Call-centre archive", mode="manual", categories=["contact"], operations=["erase"]
    )
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
    from rights import stop_decisions
    from rights.choices import Kind
    from rights.services import request_submit
    from rights.workflow import transition

    customer = customer_with_records()
    ExternalSystem.objects.create(
        name="Call-centre archive", mode="manual", categories=["contact"], operations=["restrict"]
    )
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.STOP_USE, scope={"everything": True}
    )
    transition(request, to=Status.IN_REVIEW, actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        stop_decisions.stop_decide(request=request, decisions={"all": "stop"}, actor=officer)
    task = SystemTask.objects.get(request=request)
    with django_capture_on_commit_callbacks(execute=True):
        notices.staff_impossible(task=task, actor=officer, reason="Archive destroyed.")
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    reason = request.notifications.order_by("pk").last().context["reason"]
    assert "1 could not be reached; we recorded why." in reason
