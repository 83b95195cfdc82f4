"""The retention jobs: the sweep, crashes and reruns, concurrency, dry runs (acceptance 2, 3).

Usage history follows the company's rule "usage-log": 2 years after the
registration with the service ended (APPI art. 22: erase once no longer
needed). Holds win over it (GDPR art. 17(3)(e), litigation).
"""

import datetime as dt
import io
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings

from portal.kernel.models import AuditEvent, Profile
from portal.records.models import UsageRecord
from rights.models import (
    AccountClosure,
    ErasureLedgerEntry,
    LegalHold,
    RequestMessage,
    RetentionRun,
    RightsRequest,
)
from rights.retention import jobs
from rights.retention import runs as run_records
from rights.retention.holds.services import hold_place
from tests.factories import ServiceFactory, UserFactory

from .retention_support import TODAY, WorkerKilled, at, former_customers

pytestmark = pytest.mark.django_db


def test_usage_is_swept_two_years_after_the_registration_ended_not_before():
    """usage-log: registration ended 31 Jan 2024 → usage kept through 31 Jan 2026."""
    with time_machine.travel(TODAY, tick=False):
        ended = former_customers(customers=2, each=2)
        running = former_customers(customers=1, each=2, ended=None)
        recent = former_customers(customers=1, each=2, ended=dt.date(2025, 1, 31))
    with time_machine.travel(at(2026, 1, 31, 23), tick=False):
        assert jobs.run_sweep().total == 0
    with time_machine.travel(at(2026, 2, 1, 3), tick=False):
        run = jobs.run_sweep()
    assert run.counts == {"usage-log": {"portal.usagerecord": 4}}
    assert run.status == RetentionRun.Status.FINISHED
    assert not UsageRecord.objects.filter(user__in=ended).exists()
    assert UsageRecord.objects.filter(user__in=running + recent).count() == 4


@override_settings(RIGHTS_RETENTION_BATCH_SIZE=5)
def test_a_sweep_killed_after_its_first_batch_finishes_on_the_next_run(monkeypatch, officer):
    """Acceptance 2: the rerun finishes, nothing is erased twice, nothing held is touched."""
    with time_machine.travel(TODAY, tick=False):
        customers = former_customers(customers=4, each=4)  # 16 records
        held = customers[-1]  # the first window of keys is not all held
        hold_place(
            actor=officer,
            subject=held,
            reason="Claim about a refund",
            legal_basis="GDPR art. 17(3)(e)",
        )
        total = UsageRecord.objects.count()

        def kill(run, rule, source):
            if source == "portal.usagerecord":
                raise WorkerKilled

        monkeypatch.setattr(run_records, "after_batch", kill)
        with pytest.raises(WorkerKilled):
            jobs.run_sweep()
        first = RetentionRun.objects.get()
        assert first.status == RetentionRun.Status.FAILED
        erased_first = first.counts["usage-log"]["portal.usagerecord"]
        assert 0 < erased_first < total - 4  # one window of keys, then the "crash"
        assert UsageRecord.objects.count() == total - erased_first

        monkeypatch.setattr(run_records, "after_batch", lambda *args: None)
        second = jobs.run_sweep()
        third = jobs.run_sweep()

    assert second.counts == {"usage-log": {"portal.usagerecord": total - 4 - erased_first}}
    assert third.total == 0
    assert UsageRecord.objects.filter(user=held).count() == 4
    assert UsageRecord.objects.count() == 4
    # Every batch is in the ledger once; the batches do not overlap.
    batches = list(
        ErasureLedgerEntry.objects.filter(reason="sweep").values_list("first_pk", "max_pk", "count")
    )
    assert sum(count for *_ids, count in batches) == total - 4
    ranges = sorted((first, last) for first, last, _count in batches)
    assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False))


def test_anonymised_rows_are_not_erased_twice():
    """request-log (CCPA regs §7101): requests are anonymised after 24 months, once."""
    from rights.services import request_submit

    with time_machine.travel(at(2023, 1, 10), tick=False):
        customer = UserFactory()
        request_submit(subject=customer, requester=customer, kind="disclosure", details="old")
    with time_machine.travel(TODAY, tick=False):
        first = jobs.run_sweep()
        again = jobs.run_sweep()
    assert first.counts["request-log"]["rights.rightsrequest"] == 1
    assert "request-log" not in again.counts
    assert RightsRequest.objects.get().details == ""


def test_closed_accounts_are_anonymised_after_the_account_rule():
    """account: kept 30 days after the account is closed; live accounts are never swept."""
    with time_machine.travel(at(2026, 5, 1), tick=False):
        closed = UserFactory()
        Profile.objects.create(user=closed, full_name="Closed Person", phone="090")
        AccountClosure.objects.create(user=closed)
        live = UserFactory()
        Profile.objects.create(user=live, full_name="Live Person")
    with time_machine.travel(at(2026, 5, 31), tick=False):
        jobs.run_sweep()
        assert Profile.objects.get(user=closed).full_name == "Closed Person"
    with time_machine.travel(at(2026, 6, 1), tick=False):
        jobs.run_sweep()
    closed.refresh_from_db()
    assert Profile.objects.get(user=closed).full_name == ""
    assert closed.email.endswith("@erased.invalid")
    live.refresh_from_db()
    assert Profile.objects.get(user=live).full_name == "Live Person"
    assert not live.email.endswith("@erased.invalid")


def test_a_hold_on_every_customer_of_a_service_stops_the_sweep_for_that_service(officer):
    """An authority's order about one service keeps every customer's data of it."""
    with time_machine.travel(TODAY, tick=False):
        video = ServiceFactory(code="video")
        music = ServiceFactory(code="music")
        former_customers(customers=2, each=2, service=video)
        former_customers(customers=2, each=2, service=music)
        hold_place(
            actor=officer,
            service=video,
            categories=["usage"],
            reason="Order of the Personal Information Protection Commission",
            legal_basis="APPI art. 146",
            ends_on=dt.date(2026, 12, 31),
        )
        jobs.run_sweep()
        assert UsageRecord.objects.filter(service=video).count() == 4
        assert not UsageRecord.objects.filter(service=music).exists()
    with time_machine.travel(at(2027, 1, 1), tick=False):
        jobs.run_sweep()
    assert not UsageRecord.objects.filter(service=video).exists()


def test_purge_removes_documents_of_requests_closed_long_ago(settings, tmp_path):
    """Identity documents and proof of authority go RIGHTS_DOCUMENT_KEEP_DAYS after closing."""
    from django.core.files.base import ContentFile

    from rights.services import request_submit

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    with time_machine.travel(at(2026, 1, 5), tick=False):
        customer = UserFactory()
        request = request_submit(subject=customer, requester=customer, kind="disclosure")
        message = RequestMessage(request=request, author=customer, body="My ID")
        message.attachment.save("passport.pdf", ContentFile(b"%PDF-1.4"), save=False)
        message.attachment_name = "passport.pdf"
        message.save()
        path = message.attachment.path
        RightsRequest.objects.filter(pk=request.pk).update(
            status="completed", closed_at=at(2026, 1, 6)
        )
    with time_machine.travel(at(2026, 4, 5), tick=False):
        assert jobs.run_purge().total == 0
    with time_machine.travel(at(2026, 4, 7), tick=False):
        dry = jobs.run_purge(dry_run=True)
        run = jobs.run_purge()
    assert dry.counts == run.counts == {"request-documents": {"rights.requestmessage": 1}}
    message.refresh_from_db()
    assert not message.attachment and message.attachment_name == ""
    assert message.body == "My ID"
    import os

    assert not os.path.exists(path)


def _state():
    return (
        UsageRecord.objects.count(),
        list(Profile.objects.order_by("pk").values_list("full_name", flat=True)),
        ErasureLedgerEntry.objects.count(),
        AuditEvent.objects.filter(action="retention.erased").count(),
        list(LegalHold.objects.values_list("pk", flat=True)),
    )


def test_dry_run_changes_nothing_and_reports_what_the_real_run_then_does(
    officer, django_capture_on_commit_callbacks
):
    """Acceptance 3: `run_retention --dry-run` counts; the real run matches the counts."""
    from .retention_support import approve, customer_with_records, file_deletion

    with time_machine.travel(at(2024, 7, 1), tick=False):
        # Past every period on the day (Companies Act art. 432(2): 10 years from closing
        # the books on 31 March 2014), and one kept (until 31 March 2035).
        customer = customer_with_records(invoices=[(2013, 4, 30), (2024, 5, 1)])
        request = file_deletion(customer, categories=["transactions"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
    with time_machine.travel(TODAY, tick=False):
        former_customers(customers=2, each=3)
    with time_machine.travel(at(2031, 6, 1), tick=False):
        before = _state()
        out = io.StringIO()
        call_command("run_retention", "--dry-run", stdout=out)
        assert _state() == before
        dry = {run.job: run.counts for run in RetentionRun.objects.filter(dry_run=True)}
        assert "would erase" in out.getvalue()
        call_command("run_retention", stdout=io.StringIO())
    real = {run.job: run.counts for run in RetentionRun.objects.filter(dry_run=False)}
    assert dry == real
    assert real["sweep"]["usage-log"]["portal.usagerecord"] == 6
    assert real["deferred"] == {}  # the 2024 invoice waits until 2035


def test_a_run_records_whether_the_beat_a_command_or_a_hand_started_it(settings):
    """A job sent by hand (``celery call``), without the beat's period, was recorded as
    started by the beat."""
    from celery.schedules import maybe_schedule
    from django.utils import timezone

    from portal.kernel import jobs as beat
    from portal.kernel.celery import app as celery_app
    from rights import tasks

    def started_by(**filters):
        return list(RetentionRun.objects.filter(**filters).values_list("job", "trigger"))

    every = [
        ("rights-retention-deferred", tasks.retention_deferred),
        ("rights-retention-sweep", tasks.retention_sweep),
        ("rights-retention-purge", tasks.retention_purge),
    ]
    with time_machine.travel(TODAY, tick=False):
        for _name, task in every:
            task.apply()
        assert sorted(started_by()) == [("deferred", "hand"), ("purge", "hand"), ("sweep", "hand")]
        RetentionRun.objects.all().delete()
        for name, task in every:
            entry = settings.CELERY_BEAT_SCHEDULE[name]
            schedule = maybe_schedule(entry["schedule"], app=celery_app)
            task.apply(headers=beat.beat_headers(name, schedule, timezone.now()))
        assert sorted(started_by()) == [("deferred", "beat"), ("purge", "beat"), ("sweep", "beat")]
        RetentionRun.objects.all().delete()
        call_command("run_retention", "--job", "sweep", stdout=io.StringIO())
        assert started_by() == [("sweep", "command")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_run_starting_alongside_a_new_one_never_takes_it_for_interrupted():
    """A second sweep looking for interrupted runs at the moment the first has written
    its run but not yet taken the run's lock found the lock free, took the new run for
    one whose worker had died and resumed it: two sweeps worked under one record."""
    if connection.vendor != "postgresql":
        pytest.skip("An interrupted run is told by its free lock on PostgreSQL only.")
    taken_by_the_other = []
    real_lock = run_records._run_lock

    def other_sweep_looks():
        try:
            taken_by_the_other.append(run_records._resume("sweep"))
        finally:
            connections.close_all()

    this_sweep = threading.current_thread()

    def lock(pk, *, take):
        if take and not taken_by_the_other and threading.current_thread() is this_sweep:
            # The other sweep looks just before this one takes its new run's lock.
            looker = threading.Thread(target=other_sweep_looks)
            looker.start()
            looker.join(timeout=30)
        return real_lock(pk, take=take)

    run_records._run_lock = lock
    try:
        with time_machine.travel(TODAY, tick=True):
            record = jobs.run_sweep()
    finally:
        run_records._run_lock = real_lock
    assert taken_by_the_other == [None]
    record.refresh_from_db()
    assert record.resumed == 0
    assert record.status == RetentionRun.Status.FINISHED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(RIGHTS_RETENTION_BATCH_SIZE=3)
def test_two_sweeps_at_once_never_take_the_same_batch():
    """Acceptance 2: two sweeps started together share the work; no batch is taken twice."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs PostgreSQL's advisory locks and concurrent writers; SQLite's IMMEDIATE "
            "transactions let only one writer in at a time, so two sweeps cannot overlap there."
        )
    with time_machine.travel(TODAY, tick=True):
        former_customers(customers=6, each=5)  # 30 records, 10 batches of 3
    total = UsageRecord.objects.count()
    start = threading.Barrier(2)
    errors = []

    def sweep():
        try:
            start.wait(timeout=10)
            with time_machine.travel(TODAY, tick=True):
                jobs.run_sweep()
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    slow = run_records.after_batch

    def after_batch(run, rule, source):
        # Let the other sweep take its turn between batches.
        import time

        time.sleep(0.02)
        slow(run, rule, source)

    run_records.after_batch = after_batch
    try:
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        run_records.after_batch = slow
    assert not errors, errors
    runs = list(RetentionRun.objects.filter(job="sweep"))
    assert len(runs) == 2
    assert all(run.total > 0 for run in runs), [run.counts for run in runs]
    assert sum(run.total for run in runs) == total
    batches = sorted(
        ErasureLedgerEntry.objects.filter(reason="sweep").values_list("first_pk", "max_pk")
    )
    assert all(a[1] < b[0] for a, b in zip(batches, batches[1:], strict=False)), batches
    assert not UsageRecord.objects.exists()
