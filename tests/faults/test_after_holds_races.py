"""The erasures asked outside once a legal hold ended: each asked once, whatever runs.

What a hold kept from a deletion's task to a system outside is asked for by the
daily job ``connectors_after_holds``. Here several runs of it work at once on two
real workers (started by hand, so no claim keeps them apart), and one worker is
killed (SIGKILL) in the middle of its run: every held-back category is asked for
exactly once, in one new task, and the audit trail records each once.
"""

from __future__ import annotations

from rights.choices import Kind
from rights.connectors.models import ExternalSystem, Operation, SystemTask
from rights.services import request_submit
from rights.tasks import connectors_after_holds
from tests.factories import ProfileFactory

from .conftest import report, wait_for

TASKS = 400


def held_back_tasks() -> list[SystemTask]:
    """A closed deletion's staff tasks, each holding back the contact details a hold
    (since released) kept: what the job finds after a release."""
    customer = ProfileFactory(user__language="en").user
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.DELETION, categories=["contact"]
    )
    archive = ExternalSystem.objects.create(
        name="Call-centre archive", mode="manual", categories=["contact"], operations=["erase"]
    )
    return SystemTask.objects.bulk_create(
        SystemTask(
            request=request,
            system=archive,
            operation=Operation.ERASE,
            mode=ExternalSystem.Mode.MANUAL,
            state=SystemTask.State.NOT_APPLICABLE,
            instructions={"categories": []},
            outcome={"kept_by_hold": True},
            held_back=["contact"],
        )
        for _ in range(TASKS)
    )


def test_runs_at_once_and_a_killed_worker_ask_each_held_back_category_once(
    processes, broker_publishing
):
    from portal.kernel.models import AuditEvent

    originals = held_back_tasks()
    processes.start_worker("worker-a")
    processes.start_worker("worker-b")
    for _ in range(4):
        connectors_after_holds.delay()
    wait_for(
        lambda: SystemTask.objects.filter(follows__isnull=False).count() >= TASKS // 10,
        timeout=120,
        what="the runs to be under way",
    )
    processes.kill("worker-a")
    asked_when_killed = SystemTask.objects.filter(follows__isnull=False).count()
    connectors_after_holds.delay()
    wait_for(
        lambda: (
            not SystemTask.objects.filter(pk__in=[t.pk for t in originals])
            .exclude(held_back=[])
            .exists()
        ),
        timeout=180,
        what="every held-back category to be asked for",
    )
    followups = SystemTask.objects.filter(follows__isnull=False)
    assert followups.count() == TASKS
    assert sorted(followups.values_list("follows_id", flat=True)) == sorted(t.pk for t in originals)
    assert all(t.instructions == {"categories": ["contact"]} for t in followups)
    assert AuditEvent.objects.filter(action="connector.after_hold").count() == TASKS
    report(
        f"after-holds job: {TASKS} held-back tasks, 5 runs on two workers, one killed with "
        f"{asked_when_killed} asked: each asked once"
    )
