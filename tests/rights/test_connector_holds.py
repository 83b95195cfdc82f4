"""A legal hold keeps data outside this database too, and a deletion limited to
services leaves the data other systems hold about the customer as a whole alone.

GDPR Art. 17(3)(e) (data needed for legal claims) and APPI Art. 35 exceptions:
held data is not erased wherever it is, including at a connected system or a
recipient told by e-mail (GDPR Art. 19). The external service is the test
double on a loopback port; each test checks what it received and kept.
"""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from rights.connectors import dispatch, notices
from rights.connectors.models import SystemTask
from rights.retention.holds.services import hold_place
from tests.factories import ServiceFactory

from .connector_support import (
    customer_at_double,
    double_fixture,  # noqa: F401  (the fixture "double")
    recipient_with_email_system,
    staff_erasure,
)
from .retention_support import approve, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db
State = SystemTask.State


def _hold(officer, customer=None, **kwargs):
    return hold_place(
        actor=officer,
        reason="Claim pending in court",
        legal_basis="GDPR art. 17(3)(e)",
        subject=customer,
        **kwargs,
    )


@pytest.fixture
def customer(double):
    """A customer whose contact details and usage the mailing service (the double) holds."""
    customer = customer_at_double(double)
    return customer


def _approved(request, officer, capture, *, execute=True):
    with capture(execute=execute):
        approve(request, officer)
    request.refresh_from_db()
    return request


def test_a_hold_on_the_customer_keeps_everything_at_the_external_service(
    officer, customer, double, django_capture_on_commit_callbacks
):
    _hold(officer, customer)
    request = file_deletion(customer, scope={"everything": True})
    _approved(request, officer, django_capture_on_commit_callbacks)
    task = SystemTask.objects.get(request=request)
    assert (task.state, task.held_back) == (State.NOT_APPLICABLE, ["contact", "usage"])
    assert double.applied_count("erase") == 0
    assert len(double.records_of(customer.email)) == 2


def test_only_the_categories_no_hold_keeps_are_sent(
    officer, customer, double, django_capture_on_commit_callbacks
):
    _hold(officer, customer, categories=["contact"])
    request = file_deletion(customer, categories=["contact", "usage"])
    _approved(request, officer, django_capture_on_commit_callbacks)
    assert double.calls[-1]["payload"]["categories"] == ["usage"]
    assert [r["category"] for r in double.records_of(customer.email)] == ["contact"]


def test_a_hold_on_every_customer_of_their_service_counts_and_one_on_our_records_does_not(
    officer, double, django_capture_on_commit_callbacks
):
    service = ServiceFactory(code="mobile", name="モバイル", name_en="Mobile")
    customer = customer_at_double(double, service=service)
    _hold(officer, customer, records=["portal.invoice:1"])
    _hold(officer, service=service, categories=["usage"])
    request = file_deletion(customer, categories=["contact", "usage"])
    _approved(request, officer, django_capture_on_commit_callbacks)
    assert double.calls[-1]["payload"]["categories"] == ["contact"]


def test_a_deletion_limited_to_a_service_sends_nothing_outside(
    officer, customer, double, django_capture_on_commit_callbacks
):
    recipient_with_email_system(customer, "Delivery Co", "privacy")
    service = customer.service_registrations.get().service
    request = file_deletion(customer, services=[service])
    _approved(request, officer, django_capture_on_commit_callbacks)
    assert not SystemTask.objects.filter(request=request).exists()
    assert double.applied_count("erase") == 0
    assert not any("privacy@partner.example" in m.to for m in mail.outbox)


def test_a_hold_placed_after_planning_stops_the_call(
    officer, customer, double, django_capture_on_commit_callbacks
):
    request = file_deletion(customer, categories=["contact", "usage"])
    _approved(request, officer, django_capture_on_commit_callbacks, execute=False)
    task = SystemTask.objects.get(request=request)
    hold = _hold(officer, customer)
    assert dispatch.attempt(task.pk) == "done"
    task.refresh_from_db()
    assert task.state == State.NOT_APPLICABLE
    assert str(hold) in task.note
    assert double.applied_count("erase") == 0
    assert len(double.records_of(customer.email)) == 2


def test_a_hold_placed_after_planning_narrows_the_call(
    officer, customer, double, django_capture_on_commit_callbacks
):
    request = file_deletion(customer, categories=["contact", "usage"])
    _approved(request, officer, django_capture_on_commit_callbacks, execute=False)
    task = SystemTask.objects.get(request=request)
    _hold(officer, customer, categories=["usage"])
    assert dispatch.attempt(task.pk) == "done"
    assert double.calls[-1]["payload"]["categories"] == ["contact"]
    assert [r["category"] for r in double.records_of(customer.email)] == ["usage"]


def test_a_hold_placed_before_the_e_mail_goes_out_keeps_the_subcontractor_from_erasing(
    officer, django_capture_on_commit_callbacks
):
    customer = customer_with_records()
    recipient_with_email_system(customer, "Delivery Co", "privacy")
    request = file_deletion(customer, scope={"everything": True})
    _approved(request, officer, django_capture_on_commit_callbacks, execute=False)
    task = SystemTask.objects.get(request=request)
    hold = _hold(officer, customer, categories=["identity", "contact"])
    mail.outbox.clear()
    assert notices.task_mail(task.pk) is False
    assert mail.outbox == []
    task.refresh_from_db()
    assert task.state == State.NOT_APPLICABLE and str(hold) in task.note


def test_a_task_settled_by_a_hold_after_a_failed_call_shows_no_old_error(
    officer, customer, double, django_capture_on_commit_callbacks
):
    """「該当なし」 went on showing the last call's “HTTP 503” next to the hold's note."""
    double.behaviour = "fail"
    request = _approved(
        file_deletion(customer, categories=["contact"]), officer, django_capture_on_commit_callbacks
    )
    task = SystemTask.objects.get(request=request)
    assert (task.state, task.last_error) == (State.PENDING, "HTTP 503")
    hold = _hold(officer, customer, categories=["contact"])
    SystemTask.objects.filter(pk=task.pk).update(next_attempt_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch.attempt(task.pk) == "done"
    task.refresh_from_db()
    assert task.state == State.NOT_APPLICABLE
    assert str(hold) in task.note
    assert task.last_error == ""


def _staff_erasure(officer, capture):
    """A deletion of contact details and usage, its erasure outside a staff task."""
    return staff_erasure(officer, capture, categories=["contact", "usage"])


def test_a_hold_placed_after_planning_settles_a_staff_task_before_staff_erase(
    officer, officer_client, django_capture_on_commit_callbacks
):
    """A staff task is carried out by hand, read from the working page: a hold placed
    after it was planned must reach it before staff act, as it reaches the calls."""
    customer, request, task = _staff_erasure(officer, django_capture_on_commit_callbacks)
    assert task.state == State.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        hold = _hold(officer, customer)
    task.refresh_from_db()
    assert task.state == State.NOT_APPLICABLE and str(hold) in task.note
    url = f"/admin/rights/rightsrequest/{request.pk}/systems/{task.pk}/confirm/"
    officer_client.post(url, {"note": "Deleted from the archive."})
    task.refresh_from_db()
    assert task.state == State.NOT_APPLICABLE


def test_a_hold_placed_after_planning_narrows_a_staff_task_on_the_working_page(
    officer, officer_client, django_capture_on_commit_callbacks
):
    customer, request, task = _staff_erasure(officer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        _hold(officer, customer, categories=["usage"])
    task.refresh_from_db()
    assert (task.state, task.instructions["categories"]) == (State.PENDING, ["contact"])
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/").content.decode()
    systems = page[page.index('id="rr-systems"') :]
    assert "Erase: Contact details" in systems, systems[:3000]


def test_staff_cannot_confirm_an_erasure_a_hold_now_keeps(
    officer, django_capture_on_commit_callbacks
):
    """Confirming a staff erasure re-checks the holds itself, whatever became of the
    re-check when the hold was placed (here its after-commit work never runs)."""
    customer, request, task = _staff_erasure(officer, django_capture_on_commit_callbacks)
    _hold(officer, customer)  # its re-check not run: the commit callbacks are not executed
    with pytest.raises(ValidationError, match="legal hold"):
        notices.staff_confirm(task=task, actor=officer, note="Deleted from the archive.")
    task.refresh_from_db()
    assert task.state == State.NOT_APPLICABLE
