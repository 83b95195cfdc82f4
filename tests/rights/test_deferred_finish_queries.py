"""The nightly check for deletions in progress that their task would now finish.

The deferred-erasure job looks for deletions whose own steps have all run and whose
systems outside have all answered, and queues their task again (a finish message lost,
steps that waited for a copy). It asks once for all of them, not twice per deletion: a
night with many deletions waiting for partners costs one query, and it decides as the
deletion's task does (``rights.transition_rules``).
"""

from __future__ import annotations

import pytest

from portal.kernel.models import OutboxMessage
from rights.choices import Status
from rights.connectors.models import SystemTask
from rights.retention.deferred import _finish_deletions
from rights.transition_rules import erasure_ran, systems_answered

from .connector_support import recipient_with_email_system
from .retention_support import approve, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db

EXECUTE = "rights.tasks.execute_deletion"
DELETIONS = 5


def _waiting_for_partners(officer, capture) -> list:
    """Deletions in progress, each waiting for its partner to confirm the erasure."""
    deletions = []
    for n in range(DELETIONS):
        customer = customer_with_records()
        recipient_with_email_system(customer, f"Partner {n}", f"privacy-{n}")
        request = file_deletion(customer, categories=["contact"])
        with capture(execute=True):
            approve(request, officer)
        request.refresh_from_db()
        assert request.status == Status.IN_PROGRESS
        deletions.append(request)
    return deletions


def _queued() -> list[int]:
    messages = OutboxMessage.objects.filter(task_name=EXECUTE, done_at__isnull=True)
    return sorted(message.args[0] for message in messages)


def test_many_deletions_in_progress_are_checked_in_one_query(
    officer, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    deletions = _waiting_for_partners(officer, django_capture_on_commit_callbacks)
    OutboxMessage.objects.filter(task_name=EXECUTE).delete()
    with django_assert_max_num_queries(1):
        _finish_deletions()
    assert _queued() == []
    # The partner of one answered, and the message that would have finished it was
    # lost: that one, and only that one, is queued again, as its task's checks say.
    answered = deletions[2]
    SystemTask.objects.filter(request=answered).update(state=SystemTask.State.DONE)
    with django_capture_on_commit_callbacks(execute=False):
        _finish_deletions()
    assert _queued() == [answered.pk]
    assert [d.pk for d in deletions if erasure_ran(d) and systems_answered(d)] == [answered.pk]
