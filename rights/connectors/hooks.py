"""Wiring, imported from ``RightsConfig.ready``: an approved deletion goes to the
systems outside this database as well, when it enters "in progress"."""

from rights.choices import Kind, Status
from rights.retention.holds.selectors import held_categories, held_elsewhere
from rights.retention.scope import requested_scope
from rights.workflow import on_entry

from .models import Operation
from .planning import tasks_plan


@on_entry(Status.IN_PROGRESS, Kind.DELETION)
def plan_external_erasure(request) -> None:
    """Create the erasure tasks of the external systems and recipients; queue the calls.

    What they hold is data about the customer as a whole, not data of one of our
    services: a deletion limited to services leaves it alone, as it leaves such
    data here (:func:`rights.retention.scope.services_q`). The categories a legal
    hold keeps are not sent (the calls check the holds again when they go out).
    """
    if request.subject_id is None:
        return
    categories, services, closing = requested_scope(request)
    if services:
        return
    held = held_categories(held_elsewhere(request.subject))
    if not held:
        tasks_plan(request, Operation.ERASE, categories=None if closing else categories)
        return
    free = [c for c in categories if c not in held]
    if free:
        tasks_plan(request, Operation.ERASE, categories=free)
