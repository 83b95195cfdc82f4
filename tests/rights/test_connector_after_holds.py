"""What a legal hold kept outside this database is erased there when the hold ends.

APPI art. 35 and GDPR art. 17(1) and (3)(e): data a hold keeps is kept only as
long as the hold lasts, then erased, wherever it is; GDPR art. 19 reaches the
systems and recipients it was given to. A deletion's task leaves out what a hold
keeps and notes it; the daily job asks for it once the hold is released or ended,
in a new task of the same request (closed by then). The customer is told what a
hold keeps outside (APPI art. 35(7)), and the request is only partly completed
meanwhile. The external service is the test double on a loopback port.
"""

import datetime as dt

import pytest
from django.utils import timezone

from rights.choices import Status
from rights.connectors import dispatch, notices
from rights.connectors.after_holds import erase_after_holds
from rights.connectors.models import SystemTask
from rights.connectors.summary import customer_summary, customer_text
from rights.retention.holds.services import hold_release

from .connector_support import (
    customer_at_double,
    double_fixture,  # noqa: F401  (the fixture "double")
    recipient_with_email_system,
    staff_erasure,
)
from .retention_support import approve, customer_with_records, file_deletion, litigation_hold

pytestmark = pytest.mark.django_db
State = SystemTask.State


@pytest.fixture
def customer(double):
    """A customer whose contact details and usage the mailing service (the double) holds."""
    customer = customer_at_double(double)
    return customer


def _deleted(customer, officer, capture, **scope):
    request = file_deletion(customer, **scope)
    with capture(execute=True):
        approve(request, officer)
    request.refresh_from_db()
    return request


def _after_holds(capture, **kwargs):
    with capture(execute=True):
        return erase_after_holds(**kwargs)


def test_what_a_hold_kept_at_a_system_is_erased_there_once_the_hold_is_released(
    officer, customer, double, django_capture_on_commit_callbacks
):
    hold = litigation_hold(officer, customer, categories=["contact"])
    request = _deleted(
        customer, officer, django_capture_on_commit_callbacks, categories=["contact", "usage"]
    )
    task = SystemTask.objects.get(request=request)
    assert (task.state, task.held_back) == (State.DONE, ["contact"])
    assert [r["category"] for r in double.records_of(customer.email)] == ["contact"]

    assert _after_holds(django_capture_on_commit_callbacks) == {"asked": 0, "still_held": 1}
    assert request.system_tasks.count() == 1

    hold_release(hold=hold, actor=officer, reason="The claim was settled.")
    assert _after_holds(django_capture_on_commit_callbacks) == {"asked": 1, "still_held": 0}
    followup = request.system_tasks.get(follows=task)
    assert followup.state == State.DONE
    assert followup.instructions["categories"] == ["contact"]
    assert double.calls[-1]["payload"]["categories"] == ["contact"]
    assert double.records_of(customer.email) == []
    task.refresh_from_db()
    assert task.held_back == []

    # Asked once: the next runs find nothing more to ask.
    assert _after_holds(django_capture_on_commit_callbacks) == {"asked": 0, "still_held": 0}
    assert double.applied_count("erase") == 2


def test_a_system_whose_data_a_hold_keeps_entirely_is_asked_once_the_hold_ends(
    officer, customer, double, django_capture_on_commit_callbacks
):
    """The hold keeps everything the system holds: its task is settled as not
    applicable with what was kept noted (it used to be left out with nothing noted),
    and the system is asked after the hold's last day."""
    hold = litigation_hold(officer, customer)
    hold.ends_on = timezone.localdate() + dt.timedelta(days=30)
    hold.save(update_fields=["ends_on"])
    request = _deleted(
        customer, officer, django_capture_on_commit_callbacks, scope={"everything": True}
    )
    task = SystemTask.objects.get(request=request)
    assert (task.state, task.held_back) == (State.NOT_APPLICABLE, ["contact", "usage"])
    assert double.applied_count("erase") == 0

    last_day = hold.ends_on
    assert _after_holds(django_capture_on_commit_callbacks, today=last_day)["asked"] == 0
    # Time passes: the hold's last day was yesterday (the call checks today's holds).
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    type(hold).objects.filter(pk=hold.pk).update(starts_on=yesterday, ends_on=yesterday)
    counts = _after_holds(django_capture_on_commit_callbacks)
    assert counts == {"asked": 1, "still_held": 0}
    assert double.records_of(customer.email) == []


def test_the_customer_is_told_what_a_hold_keeps_outside_and_the_request_is_partly_done(
    officer, customer, double, django_capture_on_commit_callbacks
):
    """APPI art. 35(7): a deletion not carried out in full is said so, with what was
    kept. Here nothing is kept in this database: only the system outside keeps data."""
    hold = litigation_hold(officer, customer, categories=["contact"])
    request = _deleted(
        customer, officer, django_capture_on_commit_callbacks, categories=["contact", "usage"]
    )
    assert request.status == Status.PARTIALLY_COMPLETED
    held_line = (
        "Under a legal hold, Contact details is kept for now in 1 of the systems and partners "
        "we asked; we will have it erased there when the hold ends."
    )
    assert held_line in customer_text(request)
    assert held_line in request.events.order_by("pk").last().reason

    hold_release(hold=hold, actor=officer, reason="The claim was settled.")
    _after_holds(django_capture_on_commit_callbacks)
    text = customer_text(request)
    assert "legal hold" not in text
    # The system counts once, though it had two tasks.
    assert "Your data was deleted from 2 of our systems." in text


def test_an_erasure_asked_after_a_hold_is_tried_again_though_the_request_is_closed(
    officer, customer, double, django_capture_on_commit_callbacks
):
    hold = litigation_hold(officer, customer, categories=["contact"])
    request = _deleted(
        customer, officer, django_capture_on_commit_callbacks, categories=["contact", "usage"]
    )
    hold_release(hold=hold, actor=officer, reason="The claim was settled.")
    double.behaviour = "fail"
    _after_holds(django_capture_on_commit_callbacks)
    followup = request.system_tasks.get(follows__isnull=False)
    assert (followup.state, followup.last_error) == (State.PENDING, "HTTP 503")
    SystemTask.objects.filter(pk=followup.pk).update(next_attempt_at=None)
    assert followup.pk in dispatch.due_tasks()

    double.behaviour = "ok"
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch.run_due() == {"done": 1}
    followup.refresh_from_db()
    assert followup.state == State.DONE
    assert double.records_of(customer.email) == []
    request.refresh_from_db()
    assert request.status == Status.PARTIALLY_COMPLETED


def test_a_staff_task_kept_by_a_hold_comes_back_on_the_working_page_when_it_ends(
    officer, officer_client, django_capture_on_commit_callbacks
):
    customer, request, task = staff_erasure(
        officer, django_capture_on_commit_callbacks, categories=["contact", "usage"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        hold = litigation_hold(officer, customer)
    task.refresh_from_db()
    assert (task.state, task.held_back) == (State.NOT_APPLICABLE, ["contact"])
    officer_client.cookies["django_language"] = "en"
    url = f"/admin/rights/rightsrequest/{request.pk}/change/"
    page = officer_client.get(url).content.decode()
    systems = page[page.index('id="rr-systems"') :]
    assert "Kept under a legal hold, asked for when it ends: Contact details" in systems
    assert "Erase: Contact details" not in systems  # it was not asked to erase anything

    hold_release(hold=hold, actor=officer, reason="The claim was settled.")
    _after_holds(django_capture_on_commit_callbacks)
    followup = request.system_tasks.get(follows=task)
    page = officer_client.get(url).content.decode()
    systems = page[page.index('id="rr-systems"') :]
    assert "Asked once the legal hold ended" in systems
    assert "Erase: Contact details" in systems
    confirm = f"/admin/rights/rightsrequest/{request.pk}/systems/{followup.pk}/confirm/"
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(confirm, {"note": "Deleted from the archive."})
    followup.refresh_from_db()
    assert followup.state == State.DONE


def test_the_release_page_counts_the_systems_outside_that_are_then_asked(
    officer, officer_client, customer, double, django_capture_on_commit_callbacks
):
    """Releasing a hold asks first what happens to the data it kept: a hold that kept
    data only at a system outside said 「No erasure waits for this hold.」"""
    hold = litigation_hold(officer, customer, categories=["contact"])
    other = litigation_hold(officer, customer, categories=["payment"])
    _deleted(customer, officer, django_capture_on_commit_callbacks, categories=["contact"])
    officer_client.cookies["django_language"] = "en"

    page = officer_client.post(
        f"/admin/rights/legalhold/{hold.pk}/release/", {"reason": "Settled"}
    ).content.decode()
    assert "1 system or recipient outside this database is then asked to erase" in page
    assert "No erasure waits for this hold." not in page
    page = officer_client.post(
        f"/admin/rights/legalhold/{other.pk}/release/", {"reason": "Settled"}
    ).content.decode()
    assert "outside this database is then asked" not in page
    assert "No erasure waits for this hold." in page


def test_a_partner_a_hold_kept_from_being_asked_is_not_said_to_have_been_told(
    officer, django_capture_on_commit_callbacks
):
    """GDPR art. 19: the person is told which recipients were told of the erasure. A
    subcontractor whose whole part a hold kept was sent nothing, and was listed."""
    customer = customer_with_records()
    recipient_with_email_system(customer, "Delivery Co", "privacy")
    hold = litigation_hold(officer, customer, categories=["identity", "contact"])
    request = _deleted(
        customer, officer, django_capture_on_commit_callbacks, categories=["contact", "usage"]
    )
    task = request.system_tasks.get()
    assert (task.state, task.held_back) == (State.NOT_APPLICABLE, ["contact"])
    text = customer_text(request)
    assert "Delivery Co" not in text and "we told" not in text
    assert "Contact details is kept for now in 1 of the systems and partners" in text

    hold_release(hold=hold, actor=officer, reason="The claim was settled.")
    _after_holds(django_capture_on_commit_callbacks)
    followup = request.system_tasks.get(follows=task)
    text = customer_text(request)
    assert "Delivery Co" not in text and "we told" not in text  # asked, not yet answered
    with django_capture_on_commit_callbacks(execute=True):
        notices.link_confirm(followup)
    assert "Partners we told: Delivery Co." in customer_text(request)


def test_a_partner_asked_again_after_a_hold_is_counted_once_among_those_awaited(
    officer, django_capture_on_commit_callbacks
):
    """GDPR art. 19, APPI art. 35(7): a partner asked to erase, then asked again for what a
    hold kept once it ended, is one partner the request waits for. The page counted its
    tasks ("still waiting for 2 systems" with one partner), so the person and the officer
    read of systems that do not exist."""
    customer = customer_with_records()
    recipient_with_email_system(customer, "Yamato Delivery", "privacy-yamato")
    hold = litigation_hold(officer, customer, categories=["contact"])
    request = _deleted(
        customer, officer, django_capture_on_commit_callbacks, categories=["identity", "contact"]
    )
    hold_release(hold=hold, actor=officer, reason="The claim was settled.")
    assert _after_holds(django_capture_on_commit_callbacks)["asked"] == 1
    tasks = list(request.system_tasks.all())
    assert len(tasks) == 2 and not any(t.settled for t in tasks)

    lines = customer_summary(request).lines
    assert "We are still waiting for 1 system to confirm." in lines
    assert not any("2 systems" in line for line in lines)
