"""The daily job that erases outside this database what a legal hold kept there.

A deletion's task leaves out the kinds of data a legal hold keeps and notes
them in its ``held_back`` (:func:`.dispatch.erasure_outside_holds`). Once no
hold keeps one of them any more, released or ended, a new task asks the same
system or recipient to erase it, as the deferred erasures do for the data
here (:mod:`rights.retention.deferred`). Each task is handled in a transaction
of its own that moves the categories from its ``held_back`` to the new task,
so a run interrupted or repeated asks for each category once.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from portal.kernel.audit import audit_log
from portal.kernel.dates import portal_day
from rights.retention.holds.selectors import held_categories, held_elsewhere

from .models import Operation, SystemTask
from .planning import erasure_after_hold


def waiting_for_holds():
    """Erasure tasks some of whose data a legal hold kept out."""
    return SystemTask.objects.filter(operation=Operation.ERASE).exclude(held_back=[])


def erase_after_holds(*, today: dt.date | None = None) -> dict[str, int]:
    """Ask for what no hold keeps any more; count the new tasks and those still held."""
    today = today or portal_day()
    counts = {"asked": 0, "still_held": 0}
    for task_id in waiting_for_holds().order_by("pk").values_list("pk", flat=True):
        outcome = _ask_if_free(task_id, today)
        if outcome:
            counts[outcome] += 1
    return counts


def _ask_if_free(task_id: int, today: dt.date) -> str:
    """The outcome for one task: "asked", "still_held", or "" when another run asked
    first (the task's lock orders two runs: the second finds nothing held back)."""
    with transaction.atomic():
        task = (
            SystemTask.objects.select_for_update(of=("self",))
            .select_related("request__subject", "system", "recipient")
            .get(pk=task_id)
        )
        subject = task.request.subject
        if not task.held_back:
            return ""
        if subject is None:
            return "still_held"
        held = held_categories(held_elsewhere(subject, on=today))
        free = [c for c in task.held_back if c not in held]
        if not free:
            return "still_held"
        task.held_back = [c for c in task.held_back if c in held]
        task.save(update_fields=["held_back"])
        followup = erasure_after_hold(task, free)
        audit_log(
            action="connector.after_hold",
            target=task.request,
            subject=subject,
            details={"system": task.name, "categories": free, "task": followup.pk},
        )
    return "asked"
