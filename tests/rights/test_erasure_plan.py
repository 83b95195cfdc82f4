"""A deletion shows its erasure plan before anything is erased, and runs the plan shown
(APPI art. 35; GDPR art. 17(1) and (3)(b), (e): what is erased, what the law keeps)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from portal.records.models import Invoice, UsageRecord
from rights import workflow
from rights.choices import Status
from rights.retention.holds.services import hold_place
from rights.retention.models import DeferredErasure
from rights.retention.preview import (
    ANONYMISE,
    ERASE,
    KEEP,
    PlanChanged,
    erasure_preview,
    plan_confirm,
)
from tests.factories import UsageRecordFactory

from .retention_support import at, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db

CATEGORIES = ["identity", "contact", "usage", "transactions"]


@pytest.fixture
def in_review(officer):
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(invoices=[(2025, 4, 30), (2025, 12, 1)])
        request = file_deletion(customer, categories=CATEGORIES)
        workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    return request


def _line(plan, source):
    return next(line for line in plan.lines if line.source == source)


def test_the_plan_says_what_is_erased_anonymised_and_kept_until_when_and_writes_nothing(
    in_review,
):
    """GDPR art. 17(3)(b): the invoices kept under the tax law are shown with their date."""
    with time_machine.travel(at(2026, 7, 2), tick=False):
        plan = erasure_preview(in_review)
    usage = _line(plan, "portal.usagerecord")
    assert (usage.action, usage.count) == (ERASE, 3)
    assert any(line.action == ANONYMISE for line in plan.lines)  # the profile's fields
    invoices = _line(plan, "portal.invoice")
    assert invoices.action == KEEP
    assert invoices.count == 2 and invoices.until == dt.date(2036, 3, 31)
    assert invoices.basis == "Companies Act art. 432(2)"
    assert plan.account_kept
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW and in_review.erasure_planned_at is None
    assert not DeferredErasure.objects.exists()
    assert UsageRecord.objects.filter(user=in_review.subject).count() == 3


def test_confirming_stores_the_plan_shown_and_runs_it(
    in_review, officer, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 7, 2), tick=False):
        plan = erasure_preview(in_review)
        with django_capture_on_commit_callbacks(execute=True):
            plan_confirm(request=in_review, fingerprint=plan.fingerprint, actor=officer)
    in_review.refresh_from_db()
    assert in_review.status == Status.PARTIALLY_COMPLETED
    # The steps stored, in order, are the lines shown: source, erased now or kept, until.
    stored = list(in_review.deferred_erasures.order_by("pk"))
    assert [
        (
            s.source,
            s.reason == DeferredErasure.Reason.REQUEST,
            s.not_before - dt.timedelta(days=1) if s.reason != "request" else None,
        )
        for s in stored
    ] == [(line.source, line.action in (ERASE, ANONYMISE), line.until) for line in plan.lines]
    assert not UsageRecord.objects.filter(user=in_review.subject).exists()
    assert Invoice.objects.filter(user=in_review.subject).count() == 2


def test_a_record_added_after_the_preview_changes_the_plan_and_nothing_is_erased(
    in_review, officer
):
    with time_machine.travel(at(2026, 7, 2), tick=False):
        plan = erasure_preview(in_review)
        service = in_review.subject.service_registrations.first().service
        UsageRecordFactory(user=in_review.subject, service=service)
        with pytest.raises(PlanChanged) as changed:
            plan_confirm(request=in_review, fingerprint=plan.fingerprint, actor=officer)
    usage = _line(changed.value.plan, "portal.usagerecord")
    assert usage.count == 4
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW and in_review.erasure_planned_at is None
    assert not DeferredErasure.objects.exists()
    assert UsageRecord.objects.filter(user=in_review.subject).count() == 4


def test_a_hold_placed_after_the_preview_changes_the_plan(in_review, officer):
    """A legal hold wins over the erasure (GDPR art. 17(3)(e)): the old plan is refused."""
    with time_machine.travel(at(2026, 7, 2), tick=False):
        plan = erasure_preview(in_review)
        hold_place(
            actor=officer,
            reason="Dispute about usage charges",
            legal_basis="Civil Code art. 166",
            subject=in_review.subject,
            categories=["usage"],
        )
        with pytest.raises(PlanChanged) as changed:
            plan_confirm(request=in_review, fingerprint=plan.fingerprint, actor=officer)
    usage = _line(changed.value.plan, "portal.usagerecord")
    assert usage.action == KEEP and "Civil Code art. 166" in usage.basis and usage.until is None
    assert UsageRecord.objects.filter(user=in_review.subject).count() == 3


def test_a_plan_is_confirmed_once(in_review, officer, django_capture_on_commit_callbacks):
    with time_machine.travel(at(2026, 7, 2), tick=False):
        plan = erasure_preview(in_review)
        with django_capture_on_commit_callbacks(execute=True):
            plan_confirm(request=in_review, fingerprint=plan.fingerprint, actor=officer)
        with pytest.raises(ValidationError):
            plan_confirm(request=in_review, fingerprint=plan.fingerprint, actor=officer)


def test_the_in_progress_button_leads_to_the_plan_and_erases_only_on_confirmation(
    in_review, officer_client, django_capture_on_commit_callbacks
):
    base = f"/admin/rights/rightsrequest/{in_review.pk}"
    with time_machine.travel(at(2026, 7, 2), tick=True):
        response = officer_client.post(f"{base}/transition/", {"to": "in_progress"})
        assert response.status_code == 302 and response["Location"].endswith("/erasure-plan/")
        in_review.refresh_from_db()
        assert in_review.status == Status.IN_REVIEW
        page = officer_client.get(f"{base}/erasure-plan/")
        assert page.status_code == 200
        fingerprint = page.context["plan"].fingerprint
        assert f'value="{fingerprint}"' in page.content.decode()

        stale = officer_client.post(f"{base}/erasure-plan/", {"fingerprint": "0" * 64})
        assert stale.status_code == 200  # the new plan, shown again
        assert UsageRecord.objects.filter(user=in_review.subject).count() == 3

        with django_capture_on_commit_callbacks(execute=True):
            done = officer_client.post(f"{base}/erasure-plan/", {"fingerprint": fingerprint})
        assert done.status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == Status.PARTIALLY_COMPLETED
    assert not UsageRecord.objects.filter(user=in_review.subject).exists()


def test_a_hold_over_the_account_keeps_the_login_address_in_the_plan_and_the_notice(officer):
    """The plan said the login address goes once the final notice is sent, and the notice
    told the person so, while the hold kept it (GDPR art. 17(3)(e)) until released."""
    from portal.kernel.models import User
    from rights.retention.statement import deletion_statement

    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records()
        hold = hold_place(
            actor=officer,
            reason="Claim in court",
            legal_basis="Civil Code art. 166",
            subject=customer,
        )
        request = file_deletion(customer, scope={"everything": True})
        workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
        plan = erasure_preview(request)
        account = _line(plan, "portal.user")
        assert account.action == KEEP
        assert "Civil Code art. 166" in account.basis and account.until is None
        plan_confirm(request=request, fingerprint=plan.fingerprint, actor=officer)
        steps = DeferredErasure.objects.filter(request=request, source="portal.user")
        assert steps and {step.legal_hold for step in steps} == {hold}
        text, _kept = deletion_statement(request)
    assert "as soon as this notice has been sent" not in text
    assert "legal hold" in text and "Civil Code art. 166" in text
    assert User.objects.filter(pk=customer.pk).exclude(email="").exists()


def test_a_hold_with_an_end_keeps_the_login_address_until_that_day(officer):
    from rights.retention.statement import deletion_statement

    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(language="ja")
        hold_place(
            actor=officer,
            reason="Audit",
            legal_basis="会社法",
            subject=customer,
            ends_on=dt.date(2026, 12, 31),
        )
        request = file_deletion(customer, scope={"everything": True})
        workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
        plan = erasure_preview(request)
        account = _line(plan, "portal.user")
        assert (account.action, account.until) == (KEEP, dt.date(2026, 12, 31))
        plan_confirm(request=request, fingerprint=plan.fingerprint, actor=officer)
        text, _kept = deletion_statement(request)
    assert "法的保全（会社法）により2026年12月31日まで保存し" in text
