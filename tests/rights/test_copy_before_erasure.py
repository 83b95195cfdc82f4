"""A copy asked for first is made before the data is erased.

A person who asks for a copy of their data (APPI art. 33, GDPR art. 15, CCPA right to
know: a disclosure, or a notice of purposes of use, APPI art. 32(2)) and then for its
erasure (APPI art. 35, GDPR art. 17, CCPA right to delete) receives the copy of what
they had: the deletion's erasure waits until the package of the disclosure received
before it is built, or until that disclosure closes without one. A disclosure received
after the deletion does not hold it back: the person asked to erase first.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from portal.records.models import UsageRecord
from rights import workflow
from rights.choices import Status
from rights.disclosure.services import package_build, paper_mark_posted
from rights.models import DeferredErasure
from rights.retention import jobs, steps
from rights.retention.holds.services import hold_release
from tests.conftest import admin_login, step_up

from .disclosure_support import disclosure_in_progress
from .retention_support import (
    approve,
    at,
    customer_with_records,
    file_deletion,
    file_disclosure,
    litigation_hold,
)

pytestmark = pytest.mark.django_db

Step = DeferredErasure


def _usage(customer) -> int:
    return UsageRecord.objects.filter(user=customer).count()


def _waiting(deletion):
    return deletion.deferred_erasures.filter(status=Step.Status.PENDING, reason=Step.Reason.REQUEST)


def _assert_erased_and_finished(customer, deletion) -> None:
    deletion.refresh_from_db()
    assert _usage(customer) == 0
    assert deletion.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)


def _copy_then_deletion(officer, capture, *, kind="disclosure", delivery_method="electronic"):
    """A customer's disclosure (or notice of purposes) put in progress, its build not run
    yet, then their deletion of the usage history approved and carried out: (the
    customer, the disclosure, the deletion)."""
    customer = customer_with_records()
    disclosure = disclosure_in_progress(
        customer, officer, kind=kind, delivery_method=delivery_method
    )
    deletion = file_deletion(customer, categories=["usage"])
    with capture(execute=True):
        approve(deletion, officer)
    deletion.refresh_from_db()
    return customer, disclosure, deletion


def test_the_disclosure_received_first_is_built_before_the_deletion_erases(
    officer, django_capture_on_commit_callbacks
):
    """APPI art. 33 then art. 35, GDPR art. 15 then art. 17: the package holds the
    records, and the erasure runs as soon as it is built."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer, disclosure, deletion = _copy_then_deletion(
            officer, django_capture_on_commit_callbacks
        )
        assert _usage(customer) == 3
        assert deletion.status == Status.IN_PROGRESS
        assert _waiting(deletion).exists()

        with django_capture_on_commit_callbacks(execute=True):
            package = package_build(request=disclosure)
        assert package.summary["counts"].get("usage") == 3
        _assert_erased_and_finished(customer, deletion)


def test_the_beat_job_runs_the_erasure_once_the_disclosure_is_built(
    officer, django_capture_on_commit_callbacks
):
    """The daily run of deferred erasures finishes it too (a prompt message lost)."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer, disclosure, deletion = _copy_then_deletion(
            officer, django_capture_on_commit_callbacks
        )
        jobs.run_deferred()
        assert _usage(customer) == 3
        package_build(request=disclosure)  # its messages not delivered
    with time_machine.travel(at(2026, 7, 2), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            jobs.run_deferred()
            jobs.run_deferred()  # run again: nothing erased twice
        _assert_erased_and_finished(customer, deletion)
        assert sum(s.erased for s in deletion.deferred_erasures.all()) == 3


@pytest.mark.parametrize("how", ["withdrawn", "rejected"])
def test_a_disclosure_closed_without_a_package_lets_the_erasure_run(
    officer, django_capture_on_commit_callbacks, how
):
    """APPI art. 35, GDPR art. 17: nothing is left to copy, the erasure is not delayed."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records()
        disclosure = file_disclosure(customer)  # submitted, open
        deletion = file_deletion(customer, categories=["usage"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(deletion, officer)
        assert _usage(customer) == 3
        with django_capture_on_commit_callbacks(execute=True):
            if how == "withdrawn":
                workflow.transition(disclosure, to=Status.WITHDRAWN, actor=customer)
            else:
                workflow.transition(disclosure, to=Status.IN_REVIEW, actor=officer)
                workflow.transition(
                    disclosure,
                    to=Status.REJECTED,
                    actor=officer,
                    reason="Identity not confirmed.",
                    ground="identity",
                )
        _assert_erased_and_finished(customer, deletion)


def test_a_disclosure_received_after_the_deletion_does_not_hold_it_back(
    officer, django_capture_on_commit_callbacks
):
    """APPI art. 35, GDPR art. 17: the person asked to erase first."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records()
        deletion = file_deletion(customer, categories=["usage"])
    with time_machine.travel(at(2026, 7, 2), tick=False):
        disclosure_in_progress(customer, officer)
        with django_capture_on_commit_callbacks(execute=True):
            approve(deletion, officer)
        assert _usage(customer) == 0


def test_a_notice_of_purposes_received_first_holds_the_erasure_too(
    officer, django_capture_on_commit_callbacks
):
    """APPI art. 32(2) then art. 35."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer, notice, _deletion = _copy_then_deletion(
            officer, django_capture_on_commit_callbacks, kind="purpose_notice"
        )
        assert _usage(customer) == 3
        with django_capture_on_commit_callbacks(execute=True):
            package_build(request=notice)
        assert _usage(customer) == 0


def test_a_paper_answer_recorded_as_posted_lets_the_erasure_run(
    officer, django_capture_on_commit_callbacks
):
    """APPI art. 33(1): a copy asked for on paper is printed from the data, then posted;
    once staff record it posted, the deletion (APPI art. 35, GDPR art. 17) erases."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer, disclosure, deletion = _copy_then_deletion(
            officer, django_capture_on_commit_callbacks, delivery_method="paper"
        )
        assert _usage(customer) == 3
        with django_capture_on_commit_callbacks(execute=True):
            paper_mark_posted(request=disclosure, posted_on=dt.date(2026, 7, 1), actor=officer)
        _assert_erased_and_finished(customer, deletion)


def test_a_step_run_while_the_disclosure_is_open_erases_nothing(
    officer, django_capture_on_commit_callbacks
):
    """The check is made inside the erasing transaction: a step run by hand, or twice,
    erases nothing while the copy is still to be made, and everything once it is."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer, disclosure, deletion = _copy_then_deletion(
            officer, django_capture_on_commit_callbacks
        )
        step = _waiting(deletion).get(source="portal.usagerecord")
        assert steps.step_execute(step) == 0
        assert steps.copy_awaited(step) == disclosure
        package_build(request=disclosure)
        assert steps.copy_awaited(step) is None
        assert steps.step_execute(step) == 3
        assert steps.step_execute(step) == 0


def test_a_legal_hold_still_keeps_what_it_keeps_after_the_copy(
    officer, django_capture_on_commit_callbacks
):
    """APPI art. 35, GDPR art. 17(3)(e): the hold wins over the erasure, before and
    after the copy; released, the beat job erases."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records()
        hold = litigation_hold(officer, customer, categories=["usage"])
        disclosure = disclosure_in_progress(customer, officer)
        deletion = file_deletion(customer, categories=["usage"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(deletion, officer)
        with django_capture_on_commit_callbacks(execute=True):
            package_build(request=disclosure)
        assert _usage(customer) == 3
        hold_release(hold=hold, actor=officer, reason="Settled.")
    with time_machine.travel(at(2026, 7, 1) + dt.timedelta(days=1), tick=False):
        jobs.run_deferred()
        assert _usage(customer) == 0


@pytest.fixture
def waiting_for_the_copy(officer, django_capture_on_commit_callbacks):
    """A deletion whose erasure waits for the disclosure received before it."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer, disclosure, deletion = _copy_then_deletion(
            officer, django_capture_on_commit_callbacks
        )
    return customer, disclosure, deletion


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Erasure waiting for Disclosure {ref} to be built."),
        ("ja", "開示 {ref} のパッケージ作成を待って消去します。"),
    ],
)
def test_staff_see_which_disclosure_the_erasure_waits_for(
    waiting_for_the_copy, officer, client, language, expected
):
    """GDPR art. 12(3), APPI art. 35: staff know why the deletion is still in progress."""
    _customer, disclosure, deletion = waiting_for_the_copy
    staff = admin_login(client, officer)
    staff.cookies["django_language"] = language
    page = staff.get(f"/admin/rights/rightsrequest/{deletion.pk}/change/").content.decode()
    section = re.search(r'id="rr-copy-first".*?</div>', page, re.S)[0]
    assert expected.format(ref=disclosure.reference) in re.sub(r"<[^>]+>", "", section)
    assert f'href="/admin/rights/rightsrequest/{disclosure.pk}/change/"' in section

    listing = staff.get("/admin/rights/deferrederasure/").content.decode()
    step = _waiting(deletion).get(source="portal.usagerecord")
    row = re.search(rf"D-{step.pk:05d}.*?</tr>", listing, re.S)[0]
    link = f'<a href="/admin/rights/rightsrequest/{disclosure.pk}/change/">'
    assert link in row
    shown = {"en": "Waiting for Disclosure", "ja": "開示"}[language]
    assert shown in re.sub(r"<[^>]+>", "", row)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "We first prepare the copy of your data you asked for ({ref}), then erase the data.",
        ),
        ("ja", "ご請求のデータの写し（{ref}）を先にお作りし、その後にデータを消去します。"),
    ],
)
def test_the_customer_is_told_the_copy_comes_first(
    waiting_for_the_copy, client, django_capture_on_commit_callbacks, language, expected
):
    """APPI art. 35(7), GDPR art. 12(1): in the person's language, short."""
    customer, disclosure, deletion = waiting_for_the_copy
    step_up(client, customer, django_capture_on_commit_callbacks, language=language)
    page = client.get(f"/requests/{deletion.pk}/").content.decode()
    # The reference is a link to the disclosure's page, inside the sentence.
    assert f'<a href="/requests/{disclosure.pk}/">{disclosure.reference}</a>' in page
    text = " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"</?a\b[^>]*>", "", page)).split())
    assert expected.format(ref=disclosure.reference) in text.replace(" ,", ","), text[:3000]


def test_a_deletion_waiting_past_its_due_date_shows_overdue_in_the_queue(
    waiting_for_the_copy, officer, client
):
    """The wait does not extend the deletion's deadline (APPI art. 35, GDPR art. 12(3):
    one month): staff see it overdue in the queue."""
    _customer, _disclosure, deletion = waiting_for_the_copy
    with time_machine.travel(deletion.due_at + dt.timedelta(days=2), tick=False):
        staff = admin_login(client, officer)
        overdue = staff.get("/admin/rights/rightsrequest/?deadline=overdue")
        assert deletion.pk in [r.pk for r in overdue.context["cl"].result_list]
