"""The parts of a request a client answers for: what each of its systems is asked to do.

A client answers for the external systems a privacy officer linked it to, with the
scope ``fulfilment:write`` (the systems whose part it may report). Reading a
request, it is shown those systems' parts: the operation, the kinds of data to act
on, those a legal hold keeps out of an erasure, and the part's state; never the
hold's reason, nor a correction's new values (docs/api.md).
"""

from __future__ import annotations

from typing import Literal

from ninja import Field, Schema

from portal.kernel.models.api import FULFILMENT_SCOPE
from portal.kernel.registry import Category

from .connectors.models import ExternalSystem, Operation, SystemTask


class SystemTaskOut(Schema):
    system: int = Field(description="The external system's id, as reported in a fulfilment.")
    name: str = Field(description="The system's name.")
    operation: Literal[tuple(Operation.values)]
    categories: list[str] | None = Field(
        description="The kinds of data to act on (category codes, docs/connectors.md); "
        "null: everything about the customer. An erasure's leaves out those in held_back."
    )
    held_back: list[str] = Field(
        description="Erasures: the kinds of data a legal hold keeps; erase none of them. "
        "They are asked for in a new part once no hold keeps them."
    )
    state: Literal[tuple(SystemTask.State.values)] = Field(
        description="pending, done, failed, not_applicable (a hold keeping all of it "
        "included), impossible."
    )


def answered_systems(caller):
    """The external systems ``caller``'s client answers for (may report on)."""
    if FULFILMENT_SCOPE not in (caller.client.scopes or []):
        return ExternalSystem.objects.none()
    return ExternalSystem.objects.filter(api_clients=caller.client)


def _categories(task: SystemTask) -> list[str] | None:
    if task.operation == Operation.ERASE:
        return task.still_to_erase()
    if task.operation == Operation.CORRECT:
        changed = {change.get("field") for change in task.instructions.get("changes") or []}
        fields = [f for f in task.system.fields or [] if isinstance(f, dict)]
        kinds = {f.get("category") for f in fields if f.get("name") in changed}
        return [code for code in Category.values if code in kinds]
    return None


def _task_out(task: SystemTask) -> SystemTaskOut:
    return SystemTaskOut(
        system=task.system_id,
        name=task.system.name,
        operation=task.operation,
        categories=_categories(task),
        held_back=list(task.held_back or []),
        state=task.state,
    )


def _answered_tasks(caller, requests):
    return (
        SystemTask.objects.filter(request__in=requests, system__in=answered_systems(caller))
        .select_related("system")
        .order_by("pk")
    )


def tasks_answered(caller, request) -> list[SystemTaskOut]:
    """The parts of ``request`` of the systems ``caller`` answers for, in planning order."""
    return [_task_out(task) for task in _answered_tasks(caller, [request.pk])]


def tasks_answered_by_request(caller, requests) -> dict[int, list[SystemTaskOut]]:
    """:func:`tasks_answered` for a page of requests, by request id, in one query."""
    answered: dict[int, list[SystemTaskOut]] = {request.pk: [] for request in requests}
    if answered:
        for task in _answered_tasks(caller, list(answered)):
            answered[task.request_id].append(_task_out(task))
    return answered
