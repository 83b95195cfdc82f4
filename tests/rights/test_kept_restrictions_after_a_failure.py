"""The restrictions of what a deletion keeps, when the deletion fails half-way through them.

A deletion that keeps data (GDPR art. 18, 17(3)) restricts every purpose that uses it,
one restriction per purpose. If the database refuses the second one (a failover, a
worker lost between the two), the deletion's task is retried: the retry must restrict
the purposes still free, never leave them used because the first restriction exists.
The failure is the database's own: a trigger refuses the second row once.
"""

from __future__ import annotations

import pytest
import time_machine
from celery.exceptions import Retry
from django.db import connection

from consent.models import ProcessingRestriction
from consent.services import may_use
from portal.kernel.models import OutboxMessage
from rights.choices import Status
from rights.retention import restriction
from tests.mail_support import deliver_again

from .retention_support import approve, at, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db

TABLE = ProcessingRestriction._meta.db_table

# The second restriction of a request is refused, as a failing database would.
REFUSE_SECOND = {
    "sqlite": [
        f"""CREATE TRIGGER refuse_second BEFORE INSERT ON {TABLE}
        WHEN (SELECT COUNT(*) FROM {TABLE} WHERE source_reference = NEW.source_reference) = 1
        BEGIN SELECT RAISE(ABORT, 'refused'); END"""
    ],
    "postgresql": [
        f"""CREATE FUNCTION refuse_second() RETURNS trigger AS $$ BEGIN
        IF (SELECT COUNT(*) FROM {TABLE} WHERE source_reference = NEW.source_reference) = 1
        THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql""",
        f"""CREATE TRIGGER refuse_second BEFORE INSERT ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION refuse_second()""",
    ],
}
ALLOW = {
    "sqlite": ["DROP TRIGGER refuse_second"],
    "postgresql": [f"DROP TRIGGER refuse_second ON {TABLE}", "DROP FUNCTION refuse_second()"],
}


def _execute(statements):
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def test_a_retried_deletion_restricts_every_purpose_the_kept_data_is_used_for(
    officer, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records()
        request = file_deletion(customer, categories=["transactions", "usage"])
        _execute(REFUSE_SECOND[connection.vendor])
        # The task fails and is retried later (in-process, the retry is raised).
        with pytest.raises(Retry), django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
        _execute(ALLOW[connection.vendor])
        for message in OutboxMessage.objects.filter(
            task_name="rights.tasks.execute_deletion", done_at__isnull=True
        ):
            with django_capture_on_commit_callbacks(execute=True):
                deliver_again(message)
        request.refresh_from_db()
        assert request.status == Status.PARTIALLY_COMPLETED
        assert not may_use(customer, "billing")
        assert not may_use(customer, "orders_delivery")
        # Every purpose that uses the kept data, each once.
        kept = {step.category for step in restriction.kept_steps(request)}
        expected = [p.pk for p in restriction.restricted_purposes(kept, closing=False)]
        written = ProcessingRestriction.objects.filter(subject=customer)
        assert sorted(written.values_list("purpose_id", flat=True)) == sorted(expected)
