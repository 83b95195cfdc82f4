"""An external system down for the first hour of a deletion (issue 23, acceptance 3).

The service (the test double, a real HTTP server on a loopback port) refuses
connections for the whole first hour, simulated by time: the beat job runs
every minute and each due attempt fails, backing off. When the service is back
the next attempt erases the customer there, and the request completes. Every
later run, a repeated delivery of the call and of the deletion's own task
find nothing left to do: the erasure happened exactly once, here and there.
Deterministic: time is travelled minute by minute, nothing sleeps.
"""

import datetime as dt

import time_machine
from django.utils import timezone

from rights.choices import Status
from rights.connectors import dispatch
from rights.connectors.models import SystemTask
from rights.models import DeferredErasure, RequestEvent
from rights.tasks import connector_call, execute_deletion
from tests.rights.connector_support import api_system, seed_double, started_double
from tests.rights.retention_support import approve, at, customer_with_records, file_deletion

from .conftest import report

State = SystemTask.State


def test_a_service_down_for_the_first_hour_is_retried_and_erased_exactly_once(officer):
    service = started_double()
    service.stop()  # down from the start; the port stays ours
    start = at(2026, 12, 3, 10)
    try:
        with time_machine.travel(start, tick=False):
            customer = customer_with_records()
            seed_double(service, customer)
            api_system(service)
            request = file_deletion(customer, categories=["contact", "usage"])
            approve(request, officer)  # in progress: the call is made at once, and fails
        task = SystemTask.objects.get(request=request)
        assert task.state == State.PENDING and task.attempts == 1
        assert task.last_error.startswith("Unreachable")

        attempts_in_the_hour = [task.attempts]
        for minute in range(1, 60):
            with time_machine.travel(start + dt.timedelta(minutes=minute), tick=False):
                dispatch.run_due()
            task.refresh_from_db()
            attempts_in_the_hour.append(task.attempts)
            request.refresh_from_db()
            assert request.status == Status.IN_PROGRESS, minute
            assert task.state == State.PENDING, minute
        # Back-off: attempts at 0, 1, 3, 7, 15 and 31 minutes, not one per minute.
        assert task.attempts == 6
        assert len(service.calls) == 0  # it was down: nothing reached it
        assert service.records_of(customer.email) != []

        service.start()  # back, on the same port, with its records
        done_at = None
        for minute in range(60, 121):
            with time_machine.travel(start + dt.timedelta(minutes=minute), tick=False):
                dispatch.run_due()
            task.refresh_from_db()
            if task.state == State.DONE:
                done_at = minute
                break
        assert done_at is not None and done_at <= 62
        report(f"connector outage: erased at minute {done_at} after {task.attempts} attempts")

        # More runs, a redelivered call and a redelivered deletion task change nothing.
        for minute in range(done_at + 1, done_at + 5):
            with time_machine.travel(start + dt.timedelta(minutes=minute), tick=False):
                assert dispatch.run_due() == {}
        assert connector_call.apply(args=[task.pk]).get() == "not due"
        execute_deletion.apply(args=[request.pk])

        request.refresh_from_db()
        assert request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)
        assert service.records_of(customer.email) == []
        assert service.applied_count("erase") == 1
        assert [c["operation"] for c in service.calls] == ["erase"]
        finished = RequestEvent.objects.filter(
            request=request, to_status__in=(Status.COMPLETED, Status.PARTIALLY_COMPLETED)
        )
        assert finished.count() == 1
        assert DeferredErasure.objects.filter(request=request, status="done").exists()
        assert task.settled_at <= timezone.now()
    finally:
        service.stop()
