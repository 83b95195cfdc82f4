"""Wiring, connected from ``RightsConfig.ready``: the deletion hook and the registry's
retention texts."""

from rights.choices import Kind, Status
from rights.registry import registry
from rights.workflow import on_entry

from .texts import retention_text


@on_entry(Status.IN_PROGRESS, Kind.DELETION)
def queue_deletion(request) -> None:
    """An approved deletion request is carried out by a task, after commit."""
    from rights.tasks import execute_deletion

    execute_deletion.delay_on_commit(request.pk)


def connect() -> None:
    registry.set_retention_provider(retention_text)
