"""Holds re-checked by every erasing batch, and retention runs that were interrupted.

GDPR art. 17(3)(e) (legal claims) and the statutory holds: data under a legal hold is
never erased. The retention sweep, the deletion executor, the deferred erasures and
``reapply_erasures`` each read the holds in the transaction that erases, and the
erasing statement re-checks them, so a hold placed while a job runs wins over every
batch that starts after it (issue 17, observation 2). A run whose worker died is shown
as interrupted and resumed by the next run (observation 5).
"""

import datetime as dt
import re
import threading
from contextlib import contextmanager

import pytest
import time_machine
from django.core import serializers
from django.db import connection, connections
from django.utils import translation

from portal.records.models import UsageRecord
from rights.models import DeferredErasure, ErasureLedgerEntry, LegalHold, RetentionRun
from rights.retention import jobs, replay, runs, steps
from rights.retention.holds.services import hold_place, hold_release

from .retention_support import (
    WorkerKilled,
    approve,
    at,
    customer_with_records,
    file_deletion,
    former_customers,
)

TODAY = at(2026, 7, 1)
USAGE = UsageRecord._meta.db_table


def _hold(officer, subject, **kwargs):
    return hold_place(
        actor=officer,
        subject=subject,
        reason="Claim about roaming charges",
        legal_basis="GDPR art. 17(3)(e)",
        **kwargs,
    )


def _backup():
    return serializers.serialize("json", UsageRecord.objects.all())


def _restore(dump: str) -> None:
    for restored in serializers.deserialize("json", dump):
        restored.save()


# -- a hold placed between two batches of one run (SQLite and PostgreSQL) -----------------


@pytest.mark.django_db
def test_a_hold_placed_between_two_sweep_batches_keeps_every_row_it_covers(
    settings, monkeypatch, officer
):
    """The sweep read the holds once per run: a hold placed after its first batch was
    ignored by all the others. Now each window reads them in its own transaction."""
    settings.RIGHTS_RETENTION_BATCH_SIZE = 4
    with time_machine.travel(TODAY, tick=False):
        first, second, last = former_customers(customers=3, each=4)
        placed = []

        def place_hold(run, rule, source):
            if not placed:
                placed.append(_hold(officer, last))

        monkeypatch.setattr(runs, "after_batch", place_hold)
        run = jobs.run_sweep()
    assert placed
    assert UsageRecord.objects.filter(user=last).count() == 4
    assert UsageRecord.objects.count() == 4
    assert run.counts == {"usage-log": {"portal.usagerecord": 8}}


@pytest.mark.django_db
def test_reapply_leaves_the_rows_of_a_hold_placed_while_it_runs(settings, monkeypatch, officer):
    """reapply_erasures read the holds once per run, like the sweep did."""
    settings.RIGHTS_RETENTION_BATCH_SIZE = 4
    with time_machine.travel(TODAY, tick=False):
        first, second, last = former_customers(customers=3, each=4)
        backup = _backup()
        assert jobs.run_sweep().total == 12
        assert ErasureLedgerEntry.objects.filter(reason="sweep").count() >= 3
        _restore(backup)
        assert UsageRecord.objects.count() == 12

        add = runs.Run.add
        placed = []

        def add_then_place_hold(run, rule, source, count):
            add(run, rule, source, count)
            if not placed:  # after the first ledger entry was applied again
                placed.append(_hold(officer, last))

        monkeypatch.setattr(runs.Run, "add", add_then_place_hold)
        run = replay.reapply_erasures()
    assert placed
    assert UsageRecord.objects.filter(user=last).count() == 4
    assert UsageRecord.objects.count() == 4
    assert run.counts == {"usage-log": {"portal.usagerecord": 8}}


def _hold_when_step_starts(monkeypatch, officer, subject):
    """A hold committed after a step started, before its erasing transaction."""
    scope = steps._step_scope
    placed = []

    def scope_then_place_hold(step, source):
        if not placed and step.source == "portal.usagerecord":
            placed.append(_hold(officer, subject, categories=["usage"]))
        return scope(step, source)

    monkeypatch.setattr(steps, "_step_scope", scope_then_place_hold)
    return placed


@pytest.mark.django_db
def test_the_deletion_executor_keeps_rows_of_a_hold_placed_as_a_step_starts(
    monkeypatch, officer, django_capture_on_commit_callbacks
):
    """The executor read the holds before the transaction that erased."""
    with time_machine.travel(TODAY, tick=False):
        customer = customer_with_records(usage=4)
        request = file_deletion(customer, categories=["usage"])
        placed = _hold_when_step_starts(monkeypatch, officer, customer)
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
    assert placed
    assert UsageRecord.objects.filter(user=customer).count() == 4
    step = DeferredErasure.objects.get(source="portal.usagerecord")
    assert (step.status, step.legal_hold, step.erased) == ("pending", placed[0], 0)
    assert not ErasureLedgerEntry.objects.filter(source="portal.usagerecord").exists()


@pytest.mark.django_db
def test_deferred_erasures_keep_rows_of_a_hold_placed_as_a_step_starts(
    monkeypatch, officer, django_capture_on_commit_callbacks
):
    """When a hold ends, its deferred step runs; a new hold placed then still wins."""
    with time_machine.travel(TODAY, tick=False):
        customer = customer_with_records(usage=4)
        first_hold = _hold(officer, customer, categories=["usage"])
        request = file_deletion(customer, categories=["usage"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
        assert UsageRecord.objects.filter(user=customer).count() == 4
        hold_release(hold=first_hold, actor=officer, reason="Claim withdrawn")
        placed = _hold_when_step_starts(monkeypatch, officer, customer)
        run = jobs.run_deferred()
    assert placed
    assert run.total == 0
    assert UsageRecord.objects.filter(user=customer).count() == 4
    step = DeferredErasure.objects.get(source="portal.usagerecord")
    assert (step.status, step.legal_hold) == ("pending", placed[0])


# -- a hold committed by another connection just before the erasing statement (PostgreSQL) --


def _commit_hold_from_another_connection(**fields) -> LegalHold:
    created = []

    def place():
        try:
            created.append(LegalHold.objects.create(**fields))
        finally:
            connections.close_all()

    thread = threading.Thread(target=place)
    thread.start()
    thread.join()
    return created[0]


@contextmanager
def hold_committed_before_first_erasure(officer, subject):
    """Right before the first DELETE from the usage table, another connection commits a
    hold on ``subject`` (written directly, without ``hold_place`` and its lock)."""
    placed = []

    def wrapper(execute, sql, params, many, context):
        if not placed and sql.lstrip().upper().startswith("DELETE") and USAGE in sql:
            placed.append(
                _commit_hold_from_another_connection(
                    subject=subject,
                    reason="Order of the court",
                    legal_basis="GDPR art. 17(3)(e)",
                    placed_by=officer,
                    starts_on=TODAY.date(),
                )
            )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield placed
    assert placed, "no erasing statement ran"


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite's IMMEDIATE transactions keep every other writer out while a batch runs"
        )


def _sweep(officer):
    first, *others = former_customers(customers=3, each=4)
    with hold_committed_before_first_erasure(officer, first):
        jobs.run_sweep()
    return first


def _execute(officer):
    customer = customer_with_records(usage=4)
    request = file_deletion(customer, categories=["usage"])
    with hold_committed_before_first_erasure(officer, customer):
        approve(request, officer)
    return customer


def _deferred(officer):
    customer = customer_with_records(usage=4)
    first_hold = _hold(officer, customer, categories=["usage"])
    approve(file_deletion(customer, categories=["usage"]), officer)
    hold_release(hold=first_hold, actor=officer, reason="Claim withdrawn")
    with hold_committed_before_first_erasure(officer, customer):
        jobs.run_deferred()
    return customer


def _reapply(officer):
    first, *others = former_customers(customers=3, each=4)
    backup = _backup()
    jobs.run_sweep()
    _restore(backup)
    with hold_committed_before_first_erasure(officer, first):
        replay.reapply_erasures()
    return first


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("path", [_sweep, _execute, _deferred, _reapply])
def test_a_hold_committed_just_before_the_erasing_statement_wins(path, officer):
    """PostgreSQL, READ COMMITTED: the hold commits after the batch read the holds and
    before its DELETE; the statement's own check (and the check before commit) keep
    every row the hold covers."""
    _postgresql_only()
    with time_machine.travel(TODAY, tick=False):
        held = path(officer)
    assert UsageRecord.objects.filter(user=held).count() == 4
    # Everything else went: only the held customer's records are left.
    assert UsageRecord.objects.exclude(user=held).count() == 0


# -- heartbeats, interrupted runs and their resumption -------------------------------------


@pytest.mark.django_db
def test_each_batch_writes_the_heartbeat(settings, monkeypatch):
    settings.RIGHTS_RETENTION_BATCH_SIZE = 4
    beats = []
    with time_machine.travel(TODAY, tick=False) as traveller:
        former_customers(customers=3, each=4)

        def record_beat(run, rule, source):
            stored = RetentionRun.objects.get(pk=run.record.pk).heartbeat_at
            beats.append((stored, dt.datetime.now(tz=dt.UTC)))
            traveller.shift(dt.timedelta(minutes=1))

        monkeypatch.setattr(runs, "after_batch", record_beat)
        jobs.run_sweep()
    assert len(beats) >= 3
    assert all(stored == now for stored, now in beats)


def _shown(page: str) -> set[str]:
    """The run states in the page's status cells (staff pages are in Japanese here)."""
    cells = " ".join(re.findall(r'class="field-state[^"]*">(.*?)</(?:td|div)>', page, re.S))
    states = ("Running", "Interrupted", "Finished")
    with translation.override("ja"):
        return {state for state in states if translation.gettext(state) in cells}


def _killed_sweep(monkeypatch):
    """A sweep whose worker died after its first window (SIGKILL: nothing recorded after)."""

    def kill(run, rule, source):
        if source == "portal.usagerecord":
            raise WorkerKilled

    monkeypatch.setattr(runs, "after_batch", kill)
    with pytest.raises(WorkerKilled):
        jobs.run_sweep()
    monkeypatch.setattr(runs, "after_batch", lambda *args: None)
    killed = RetentionRun.objects.get()
    # What SIGKILL leaves: the run still "running", its last heartbeat at the last batch.
    RetentionRun.objects.filter(pk=killed.pk).update(
        status=RetentionRun.Status.RUNNING, finished_at=None, errors=[]
    )
    killed.refresh_from_db()
    return killed


@pytest.mark.django_db
def test_a_killed_run_is_shown_interrupted_and_the_next_run_resumes_and_finishes_it(
    settings, monkeypatch, officer, officer_client
):
    settings.RIGHTS_RETENTION_BATCH_SIZE = 4
    settings.RIGHTS_RETENTION_HEARTBEAT_TIMEOUT = 300
    with time_machine.travel(TODAY, tick=False) as traveller:
        first, second, held = former_customers(customers=3, each=4)
        _hold(officer, held)
        killed = _killed_sweep(monkeypatch)
        erased_first = killed.total
        assert 0 < erased_first <= 4
        assert killed.cursor["at"]["part"] == "usage-log/portal.usagerecord/usage"

        traveller.shift(dt.timedelta(minutes=4))
        assert not killed.is_interrupted()
        page = officer_client.get("/admin/rights/retentionrun/").content.decode()
        assert _shown(page) == {"Running"}

        traveller.shift(dt.timedelta(minutes=2))  # 6 minutes without a heartbeat
        assert killed.is_interrupted()
        page = officer_client.get("/admin/rights/retentionrun/").content.decode()
        assert _shown(page) == {"Interrupted"}
        detail = officer_client.get(f"/admin/rights/retentionrun/{killed.pk}/change/")
        with translation.override("ja"):
            assert translation.gettext("Interrupted") in detail.content.decode()

        resumed = jobs.run_sweep()
    assert resumed.pk == killed.pk
    assert (resumed.status, resumed.resumed) == ("finished", 1)
    assert resumed.counts == {"usage-log": {"portal.usagerecord": 8}}
    assert RetentionRun.objects.count() == 1
    assert not RetentionRun.objects.filter(status=RetentionRun.Status.RUNNING).exists()
    assert UsageRecord.objects.filter(user=held).count() == 4
    assert UsageRecord.objects.count() == 4
    # Resumed after its last window: no window was erased twice.
    windows = list(
        ErasureLedgerEntry.objects.filter(reason="sweep").values_list("first_pk", flat=True)
    )
    assert len(windows) == len(set(windows))
    page = officer_client.get("/admin/rights/retentionrun/").content.decode()
    assert _shown(page) == {"Finished"}


@pytest.mark.django_db
def test_a_run_whose_worker_lives_is_not_taken_over(settings, monkeypatch):
    """SQLite: alive means a heartbeat within the timeout. PostgreSQL: alive means its
    worker's connection still holds the run's lock, whatever the heartbeat says."""
    settings.RIGHTS_RETENTION_BATCH_SIZE = 4
    with time_machine.travel(TODAY, tick=False) as traveller:
        former_customers(customers=2, each=4)
        killed = _killed_sweep(monkeypatch)
        if connection.vendor == "postgresql":
            with _lock_held_elsewhere(killed.pk):
                traveller.shift(dt.timedelta(hours=1))
                other = jobs.run_sweep()
        else:
            traveller.shift(dt.timedelta(minutes=2))
            other = jobs.run_sweep()
        assert other.pk != killed.pk
        killed.refresh_from_db()
        assert (killed.status, killed.resumed) == ("running", 0)
        # Once the worker is gone (and on SQLite the heartbeat too old), the next run
        # takes it over and closes it.
        traveller.shift(dt.timedelta(minutes=10))
        last = jobs.run_sweep()
    assert last.pk == killed.pk
    assert not RetentionRun.objects.filter(status=RetentionRun.Status.RUNNING).exists()
    assert UsageRecord.objects.count() == 0


@contextmanager
def _lock_held_elsewhere(pk: int):
    """Another connection holds the run's lock, as the live worker would."""
    taken, done = threading.Event(), threading.Event()

    def hold():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", [runs._RUN_LOCK_NAMESPACE, pk])
                taken.set()
                done.wait(30)
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [runs._RUN_LOCK_NAMESPACE, pk])
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(10)
    try:
        yield
    finally:
        done.set()
        thread.join()


@pytest.mark.django_db
def test_an_interrupted_reapply_is_resumed_after_the_last_entry_it_applied(settings, monkeypatch):
    settings.RIGHTS_RETENTION_BATCH_SIZE = 4
    with time_machine.travel(TODAY, tick=False) as traveller:
        former_customers(customers=3, each=4)
        backup = _backup()
        jobs.run_sweep()
        entries = list(ErasureLedgerEntry.objects.filter(reason="sweep").order_by("pk"))
        assert len(entries) >= 3
        _restore(backup)

        progress = runs.Run.progress

        def progress_then_die(run, **kwargs):
            progress(run, **kwargs)
            raise WorkerKilled

        monkeypatch.setattr(runs.Run, "progress", progress_then_die)
        with pytest.raises(WorkerKilled):
            replay.reapply_erasures()
        monkeypatch.setattr(runs.Run, "progress", progress)
        killed = RetentionRun.objects.get(job="reapply")
        # What SIGKILL leaves: the run still "running".
        RetentionRun.objects.filter(pk=killed.pk).update(
            status=RetentionRun.Status.RUNNING, finished_at=None, errors=[]
        )
        killed.refresh_from_db()
        assert killed.cursor == {"at": entries[0].pk}
        assert UsageRecord.objects.count() == 12 - entries[0].count

        traveller.shift(dt.timedelta(minutes=6))
        applied = []
        reapply_entry = replay._reapply_entry

        def record(entry, **kwargs):
            applied.append(entry.pk)
            return reapply_entry(entry, **kwargs)

        monkeypatch.setattr(replay, "_reapply_entry", record)
        resumed = replay.reapply_erasures()
    assert resumed.pk == killed.pk
    assert (resumed.status, resumed.resumed) == ("finished", 1)
    assert applied == [entry.pk for entry in entries[1:]]
    assert resumed.counts == {"usage-log": {"portal.usagerecord": 12}}
    assert UsageRecord.objects.count() == 0
