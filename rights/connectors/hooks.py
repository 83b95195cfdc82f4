"""Wiring, imported from ``RightsConfig.ready``: an approved deletion goes to the
systems outside this database as well, when it enters "in progress"."""

from rights.choices import Kind, Status
from rights.retention.scope import requested_scope
from rights.workflow import on_entry

from .models import Operation
from .planning import tasks_plan


@on_entry(Status.IN_PROGRESS, Kind.DELETION)
def plan_external_erasure(request) -> None:
    """Create the erasure tasks of the external systems and recipients; queue the calls."""
    categories, _services, closing = requested_scope(request)
    tasks_plan(request, Operation.ERASE, categories=None if closing else categories)
