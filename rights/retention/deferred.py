"""The beat job for deletion steps whose day has come or whose hold has ended (and only those).

A deletion's own steps (reason "request") that waited for a copy its person asked for
first (:func:`.steps.copy_awaited`) are among them: once they have run, the deletion's
task is queued again to finish the request (:func:`.deletion.deletion_execute`, which
does nothing twice).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from portal.kernel import outbox
from portal.kernel.dates import portal_day
from rights.choices import Kind, Status
from rights.models import RightsRequest
from rights.transition_rules import erasure_ran_and_answered

from . import runs
from .models import DeferredErasure, RetentionRun
from .runs import batch_size, error_text, recorded_run
from .steps import step_execute

Step = DeferredErasure


def due_steps(today: dt.date):
    """Waiting steps that may run on ``today``: their day has come, their
    open-ended hold has been released or has ended, or the hold that keeps them
    was released before its end date (the step re-checks every hold and rule)."""
    hold_over = (
        Q(legal_hold__isnull=True)
        | Q(legal_hold__released_at__isnull=False)
        | Q(legal_hold__ends_on__lt=today)
    )
    released_early = Q(reason=Step.Reason.HOLD, legal_hold__released_at__isnull=False)
    return Step.objects.filter(status=Step.Status.PENDING).filter(
        Q(not_before__lte=today) | (Q(not_before__isnull=True) & hold_over) | released_early
    )


def _step_key(step: Step) -> str:
    if step.rule_id:
        return step.rule.code
    if step.legal_hold_id:
        return "legal-hold"
    return step.reason


def _finish_deletions() -> None:
    """Queue the task of each deletion still in progress that its task would now finish:
    its own steps all run (e.g. those that waited for a copy), every system outside
    answered (the task's own checks, :func:`~rights.transition_rules.erasure_ran` and
    :func:`~rights.transition_rules.systems_answered`, asked of all of them in one
    query). Looked up afresh each run, so a run killed after a step leaves none behind."""
    finished = (
        RightsRequest.objects.filter(kind=Kind.DELETION, status=Status.IN_PROGRESS)
        .filter(erasure_ran_and_answered())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for deletion_id in finished:
        outbox.enqueue("rights.tasks.execute_deletion", deletion_id)


def run_deferred(
    *, today: dt.date | None = None, dry_run: bool = False, trigger: str = "hand"
) -> RetentionRun:
    today = today or portal_day()
    with recorded_run(RetentionRun.Job.DEFERRED, dry_run=dry_run, trigger=trigger) as run:
        cursor = run.cursor.get("at", 0)  # an interrupted run resumed: after its last step
        while True:
            steps = list(
                due_steps(today)
                .filter(pk__gt=cursor)
                .select_related("subject", "rule")
                .order_by("pk")[: batch_size()]
            )
            if not steps:
                break
            for step in steps:
                try:
                    count = step_execute(step, today=today, run=run.record)
                except Exception as error:  # one step's failure must not stop the others
                    run.error(error_text(f"step {step.pk} ({step.source})", error))
                    continue
                run.add(_step_key(step), step.source, count)
                run.progress(at=step.pk)
                runs.after_batch(run, _step_key(step), step.source)
            cursor = steps[-1].pk
        if not dry_run:
            _finish_deletions()
    return run.record
