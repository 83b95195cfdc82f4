"""Deletion requests under retention rules and legal holds (acceptance 1).

Invoices are transaction documents: Corporation Tax Act art. 126 and its
Enforcement Regulations art. 59 keep them 7 years from two months after the
end of the fiscal year (March here, RIGHTS_FISCAL_YEAR_END_MONTH=3).
"""

import datetime as dt
from importlib import import_module

import pytest
import time_machine
from celery.exceptions import Retry
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.sessions.models import Session
from django.core import mail
from django_otp.plugins.otp_email.models import EmailDevice

from consent.models import ProcessingRestriction, Purpose
from consent.services import may_use
from portal.kernel.audit import verify_chain
from portal.kernel.models import AuditEvent, Profile, User
from portal.records.models import Invoice, UsageRecord
from rights.choices import Status
from rights.models import (
    AccountClosure,
    DeferredErasure,
    ErasureLedgerEntry,
    RequestNotification,
    RetentionRun,
)
from rights.retention import deletion, jobs, restriction, steps
from rights.retention.holds.services import hold_place, hold_release

from .retention_support import (
    approve,
    at,
    customer_with_records,
    file_deletion,
    litigation_hold,
)

pytestmark = pytest.mark.django_db


def _statement(request) -> str:
    return request.notifications.get(kind=RequestNotification.Kind.PARTIALLY_COMPLETED).context[
        "reason"
    ]


def test_deletion_keeps_invoices_under_the_longest_rule_companies_act_art_432_2(
    officer, django_capture_on_commit_callbacks
):
    """Companies Act art. 432(2) and Corporation Tax Act Enforcement Regulations art. 59:
    an invoice of 30 April 2025 (fiscal year ending 31 March 2026) is a transaction document
    (tax: until 31 May 2033) and an important business document (10 years from closing
    the books: until 31 March 2036); the longer wins, so it is erased on 1 April 2036."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(invoices=[(2025, 4, 30), (2025, 12, 1)])
        request = file_deletion(
            customer, categories=["identity", "contact", "usage", "transactions"]
        )
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
        request.refresh_from_db()

        assert request.status == Status.PARTIALLY_COMPLETED
        profile = Profile.objects.get(user=customer)
        assert (profile.full_name, profile.address, profile.phone, profile.postal_code) == (
            "",
            "",
            "",
            "",
        )
        assert profile.occupation == "engineer"  # work data was not asked for
        assert not UsageRecord.objects.filter(user=customer).exists()
        assert Invoice.objects.filter(user=customer).count() == 2
        step = DeferredErasure.objects.get(source="portal.invoice")
        assert step.status == DeferredErasure.Status.PENDING
        assert step.rule.code == "accounting-books"
        assert step.not_before == dt.date(2036, 4, 1)

        statement = _statement(request)
        assert "Companies Act art. 432(2)" in statement
        assert "31 Mar 2036" in statement
        assert "Invoices" in statement and "2 records" in statement
        # The e-mailed notice carries the statement.
        notice = [m for m in mail.outbox if "partly completed" in m.subject][-1]
        assert "31 Mar 2036" in notice.body and "Companies Act art. 432(2)" in notice.body

        # The login account stays open (not asked to close), so it is listed as kept.
        assert "Your login account" in statement
        customer.refresh_from_db()
        assert customer.is_active

    # The tax period ends on 31 May 2033; the Companies Act keeps them to 31 March 2036.
    for day in (at(2027, 1, 1), at(2033, 6, 2), at(2036, 3, 31, 23)):
        with time_machine.travel(day, tick=False):
            jobs.run_deferred()
            jobs.run_sweep()
            assert Invoice.objects.filter(user=customer).count() == 2, day

    with time_machine.travel(at(2036, 4, 1, 2), tick=False):
        run = jobs.run_deferred()
    assert not Invoice.objects.filter(user=customer).exists()
    assert run.counts == {"accounting-books": {"portal.invoice": 2}}
    step.refresh_from_db()
    assert step.status == DeferredErasure.Status.DONE and step.erased == 2


def test_statement_is_in_the_customers_language(officer, django_capture_on_commit_callbacks):
    """会社法第432条第2項: the statement names the law and the date in Japanese."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(language="ja")
        request = file_deletion(customer, categories=["transactions", "usage"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
    statement = _statement(request)
    assert statement.startswith("次のデータを消去しました：利用履歴。")
    assert "会社法第432条第2項により2036年3月31日まで" in statement


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore()


def test_closing_the_account_disables_logins_ends_sessions_and_removes_codes(
    officer, client, password, django_capture_on_commit_callbacks
):
    """APPI art. 35 / GDPR art. 17: everything goes and the account is closed; the final
    notice still reaches the customer, then the address itself is erased."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records()
        address = customer.email
        EmailDevice.objects.create(user=customer, name="email", confirmed=True)
        client.force_login(customer)
        assert Session.objects.count() == 1
        session_key = client.session.session_key
        assert _session_store().exists(session_key)
        request = file_deletion(customer, scope={"everything": True})
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
        request.refresh_from_db()
        # Gone from the session store (its cache too, with a cached engine), not only its row.
        assert not _session_store().exists(session_key)

    assert request.status == Status.PARTIALLY_COMPLETED  # the invoices stay
    customer.refresh_from_db()
    assert not customer.is_active and not customer.has_usable_password()
    assert AccountClosure.objects.filter(user=customer, request=request).exists()
    assert Session.objects.count() == 0
    assert not EmailDevice.objects.filter(user=customer).exists()
    assert authenticate(username=address, password=password) is None
    assert client.get("/my-data/").status_code == 302  # the old session is gone

    # The final notice went to the real address, after which the address was erased.
    final = [m for m in mail.outbox if "partly completed" in m.subject]
    assert final and final[0].to == [address]
    assert customer.email == f"erased-{customer.pk}@erased.invalid"
    assert "Your account is closed" in final[0].body

    # The audit trail holds counts and categories, never the values erased.
    for event in AuditEvent.objects.filter(subject_id=customer.pk):
        text = str(event.details)
        for value in ("Hanako", "Chiyoda", "0123", address):
            assert value not in text
    closed = AuditEvent.objects.get(action="account.closed")
    assert closed.details["sessions"] == 1 and closed.details["devices"] == 1
    assert verify_chain()[1] is None
    # And so does the ledger.
    assert ErasureLedgerEntry.objects.filter(subject=customer, source="portal.user").exists()


def test_a_staff_hold_without_end_keeps_data_through_every_run_until_released(
    officer, django_capture_on_commit_callbacks
):
    """GDPR art. 17(3)(e): data needed for a legal claim is kept; the hold wins over the
    deletion and over every job until staff release it."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=4)
        hold = litigation_hold(officer, customer, categories=["usage"])
        request = file_deletion(customer, categories=["usage", "contact"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
        assert UsageRecord.objects.filter(user=customer).count() == 4
        assert Profile.objects.get(user=customer).phone == ""
        statement = _statement(request)
        assert "legal hold (GDPR art. 17(3)(e); litigation) until the hold ends" in statement
        step = DeferredErasure.objects.get(source="portal.usagerecord")
        assert step.legal_hold == hold and step.not_before is None

        # The registration ends: years later the usage would be past its rule's period.
        customer.service_registrations.update(ended_on=dt.date(2026, 7, 31))

    for day in (at(2027, 1, 1), at(2030, 1, 1), at(2040, 1, 1)):
        with time_machine.travel(day, tick=False):
            for job in (jobs.run_deferred, jobs.run_sweep, jobs.run_purge):
                job()
            assert UsageRecord.objects.filter(user=customer).count() == 4, day

    with time_machine.travel(at(2040, 1, 2), tick=False):
        hold_release(hold=hold, actor=officer, reason="Judgment final; no appeal")
        run = jobs.run_deferred()
    assert not UsageRecord.objects.filter(user=customer).exists()
    assert run.counts == {"legal-hold": {"portal.usagerecord": 4}}
    assert RetentionRun.objects.filter(job="deferred").count() == 4


def test_running_the_deletion_again_erases_nothing_twice(
    officer, django_capture_on_commit_callbacks
):
    """The erasure is idempotent: a retried task finds its steps done and only finishes."""
    from rights.retention.deletion import deletion_execute
    from rights.retention.steps import step_execute

    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=5)
        request = file_deletion(customer, categories=["usage", "contact"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
        entries = ErasureLedgerEntry.objects.count()
        for step in DeferredErasure.objects.all():
            DeferredErasure.objects.filter(pk=step.pk).update(status="pending")
            assert step_execute(step) == 0
        deletion_execute(request=request)
        assert ErasureLedgerEntry.objects.count() == entries


def test_an_interrupted_deletion_resumes_where_it_stopped(
    officer, monkeypatch, django_capture_on_commit_callbacks
):
    """Resumable: the task stops after its first step; the retry finishes the rest."""

    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=3)
        request = file_deletion(customer, categories=["usage", "contact", "identity"])
        real = deletion.step_execute
        calls = []

        def crash_after_first(step, **kwargs):
            if calls:
                raise ConnectionError("worker lost")
            calls.append(step.pk)
            return real(step, **kwargs)

        monkeypatch.setattr(deletion, "step_execute", crash_after_first)
        # In-process the task's automatic retry surfaces as celery's Retry.
        with (
            pytest.raises((ConnectionError, Retry)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            approve(request, officer)
        request.refresh_from_db()
        assert request.status == Status.IN_PROGRESS
        done = DeferredErasure.objects.filter(status="done").count()
        assert done == 1

        monkeypatch.setattr(deletion, "step_execute", real)
        with django_capture_on_commit_callbacks(execute=True):
            deletion.deletion_execute(request=request)
        request.refresh_from_db()
    assert request.status == Status.PARTIALLY_COMPLETED
    assert not UsageRecord.objects.filter(user=customer).exists()
    assert Profile.objects.get(user=customer).full_name == ""
    assert DeferredErasure.objects.filter(reason="request", status="pending").count() == 0
    # Each planned step wrote its ledger entry once.
    keys = list(ErasureLedgerEntry.objects.values_list("source", "category"))
    assert len(keys) == len(set(keys))


def test_a_step_lost_after_erasing_leaves_nothing_erased_that_the_ledger_lacks(
    officer, monkeypatch, django_capture_on_commit_callbacks
):
    """GDPR art. 5(2), 17: the ledger accounts for every erased record, even when
    the worker is lost between erasing a step's records and recording them."""

    real = steps._held_until

    def lost(*args, **kwargs):
        raise ConnectionError("worker lost")

    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=5)
        request = file_deletion(customer, categories=["usage"])
        monkeypatch.setattr(steps, "_held_until", lost)
        with (
            pytest.raises((ConnectionError, Retry)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            approve(request, officer)
        assert UsageRecord.objects.filter(user=customer).count() == 5
        assert not ErasureLedgerEntry.objects.filter(request=request).exists()

        monkeypatch.setattr(steps, "_held_until", real)
        with django_capture_on_commit_callbacks(execute=True):
            deletion.deletion_execute(request=request)
    assert not UsageRecord.objects.filter(user=customer).exists()
    counts = ErasureLedgerEntry.objects.filter(request=request, category="usage")
    assert sum(counts.values_list("count", flat=True)) == 5


def test_only_the_chosen_services_are_erased(officer, django_capture_on_commit_callbacks):
    from tests.factories import RegistrationFactory, ServiceFactory, UsageRecordFactory

    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=2)
        video = ServiceFactory(code="video")
        RegistrationFactory(user=customer, service=video)
        UsageRecordFactory(user=customer, service=video)
        request = file_deletion(customer, categories=["usage", "contact"], services=[video])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
    assert list(
        UsageRecord.objects.filter(user=customer).values_list("service__code", flat=True)
    ) == [
        "mobile",
        "mobile",
    ]
    # Contact data belongs to no service: a request limited to services leaves it.
    assert Profile.objects.get(user=customer).phone == "03-5555-0123"


def test_nothing_held_completes_the_request(officer, django_capture_on_commit_callbacks):
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=2)
        request = file_deletion(customer, categories=["usage"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
        request.refresh_from_db()
    assert request.status == Status.COMPLETED
    completed = request.notifications.get(kind="completed")
    assert "We have erased: Usage history." in completed.context["reason"]
    assert User.objects.get(pk=customer.pk).is_active


def test_data_kept_after_deletion_is_restricted_gdpr_art_18_and_17_3(
    officer, django_capture_on_commit_callbacks
):
    """GDPR art. 18(1)(b)-(c) and 17(3)(b): invoices the law keeps after a deletion
    are restricted: may_use refuses every purpose but the legal obligation they are kept
    for, until the retention period ends, and the statement says so."""
    legal = Purpose.objects.create(
        code="tax_records",
        title_ja="法令に基づく記録の保存",
        title_en="Keeping records the law requires",
        description_ja="税法に基づき帳簿書類を保存します。",
        description_en="We keep the books and documents tax law requires.",
        legal_basis=Purpose.LegalBasis.LEGAL_OBLIGATION,
        data_categories=["transactions"],
    )
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records()
        request = file_deletion(customer, scope={"everything": True})
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
        request.refresh_from_db()
        assert request.status == Status.PARTIALLY_COMPLETED
        for purpose in Purpose.objects.exclude(pk=legal.pk):
            assert not may_use(customer, purpose), purpose.code
        assert may_use(customer, legal)
        kept = ProcessingRestriction.objects.get(subject=customer)
        assert kept.source == ProcessingRestriction.Source.ERASURE_KEPT
        assert kept.source_reference == f"rights.rightsrequest:{request.pk}"
        # Local midnight of the erasure day: the Companies Act's 10 years outlast the tax law's.
        assert kept.ends_at == at(2036, 4, 1, 0)
        assert "its use is restricted" in _statement(request)
        # Filed under APPI (the default): the articles named are GDPR's only for a GDPR
        # request (test_kept_records_cite_the_requests_law).
        assert "GDPR" not in _statement(request)
        # Running the deletion again restricts nothing twice.
        restriction.restrict_kept(request, closing=True)
        assert ProcessingRestriction.objects.filter(subject=customer).count() == 1
    with time_machine.travel(at(2033, 6, 2), tick=False):
        assert not may_use(customer, "billing")  # the tax period is over, not the Act's
    with time_machine.travel(at(2036, 4, 2), tick=False):
        assert may_use(customer, "billing")  # the period is over, the invoices are gone


def test_kept_data_of_an_open_account_restricts_only_the_purposes_using_it_gdpr_art_18(
    officer, django_capture_on_commit_callbacks
):
    """GDPR art. 18: with the account kept open, only the purposes that use the kept
    transactions are stopped; the statement in Japanese says the use is restricted."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(language="ja")
        request = file_deletion(customer, categories=["transactions", "usage"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
        assert not may_use(customer, "billing")
        assert not may_use(customer, "orders_delivery")
        assert may_use(customer, "inquiries")
        assert may_use(customer, "service_notices")
    assert "利用を制限" in _statement(request)


def test_once_a_hold_is_released_the_rule_that_still_keeps_data_is_named(
    officer, django_capture_on_commit_callbacks
):
    """Companies Act art. 432(2): invoices under an open hold are planned as kept by the
    hold; once it is released the step names the rule that keeps them, not the hold."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(invoices=[(2025, 4, 30)])
        hold = litigation_hold(officer, customer, reason="Claim about a refund")
        request = file_deletion(customer, categories=["transactions"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
        step = DeferredErasure.objects.get(source="portal.invoice")
        assert (step.reason, step.legal_hold, step.rule) == ("hold", hold, None)

    with time_machine.travel(at(2027, 1, 1), tick=False):
        hold_release(hold=hold, actor=officer, reason="Settled")
        jobs.run_deferred()
    step.refresh_from_db()
    assert Invoice.objects.filter(user=customer).count() == 1
    assert step.status == DeferredErasure.Status.PENDING
    assert (step.reason, step.legal_hold, step.rule.code) == ("retention", None, "accounting-books")
    assert step.not_before == dt.date(2036, 4, 1)


def test_releasing_a_dated_hold_early_frees_its_data_at_the_next_deferred_run(
    officer, django_capture_on_commit_callbacks
):
    """A hold with an end date, released before that date, frees what it kept at the next
    run of deferred erasures (as the release message tells staff), not on its old end date."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=3)
        hold = hold_place(
            actor=officer,
            subject=customer,
            categories=["usage"],
            reason="Regulator's inquiry about roaming charges",
            legal_basis="Order of the authority",
            ends_on=dt.date(2028, 12, 31),
        )
        request = file_deletion(customer, categories=["usage"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
        step = DeferredErasure.objects.get(source="portal.usagerecord")
        assert step.legal_hold == hold and step.not_before == dt.date(2029, 1, 1)

    with time_machine.travel(at(2027, 1, 5), tick=False):
        hold_release(hold=hold, actor=officer, reason="Inquiry closed without findings")
        run = jobs.run_deferred()
    step.refresh_from_db()
    assert not UsageRecord.objects.filter(user=customer).exists()
    assert step.status == DeferredErasure.Status.DONE
    assert run.counts == {"legal-hold": {"portal.usagerecord": 3}}
