"""Wiring, connected from ``RightsConfig.ready``: the deletion hooks, the registry's
retention texts and the rules' names on the scheduled runs page."""

from portal.kernel import generations, jobs, outbox
from portal.kernel.registry import registry
from rights.choices import Kind, Status
from rights.disclosure.models import DELIVERED_KINDS
from rights.models import OPEN_STATUSES, RightsRequest
from rights.workflow import on_entry

from .models import RetentionRule
from .texts import retention_text, rule_names

#: The retention texts are cached until a retention rule changes.
TEXTS_GENERATION = "rights.retention-texts"


def texts_version() -> str:
    return generations.token(TEXTS_GENERATION)


@on_entry(Status.IN_PROGRESS, Kind.DELETION)
def queue_deletion(request) -> None:
    """An approved deletion request is carried out by a task, queued with the transition.

    Queued by the task's name: the tasks module is the entry point that calls
    into this package, so this package does not import it.
    """
    outbox.enqueue("rights.tasks.execute_deletion", request.pk)


def erase_after_copy(request) -> None:
    """A disclosure or notice of purposes closed: built, posted, refused, withdrawn or
    expired. The deletions of the same person whose erasure waited for it
    (:func:`.steps.copy_awaited`) run again now, in the transaction that closed it, so
    the message is not lost; a deletion that still waits for another finds it so. The
    beat job of deferred erasures runs them too (:mod:`.deferred`)."""
    people = {pk for pk in (request.subject_id, request.requester_id) if pk}
    # Every deletion of theirs in progress: one with nothing left to erase here may
    # still wait to ask the systems outside (its task does nothing twice).
    waiting = (
        RightsRequest.objects.filter(
            kind=Kind.DELETION, status=Status.IN_PROGRESS, subject_id__in=people
        )
        .exclude(pk=request.pk)
        .order_by("pk")
    )
    for deletion_id in waiting.values_list("pk", flat=True):
        outbox.enqueue("rights.tasks.execute_deletion", deletion_id)


for _status in Status:
    if _status not in OPEN_STATUSES:
        for _kind in DELIVERED_KINDS:
            on_entry(_status, _kind)(erase_after_copy)


def connect() -> None:
    registry.set_retention_provider(retention_text)
    generations.watch(TEXTS_GENERATION, RetentionRule)
    registry.add_texts_version(texts_version)
    jobs.describe_rules(rule_names)  # the scheduled runs page names the rules it counts by
