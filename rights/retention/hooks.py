"""Wiring, connected from ``RightsConfig.ready``: the deletion hook, the registry's
retention texts and the rules' names on the scheduled runs page."""

from portal.kernel import generations, jobs, outbox
from portal.kernel.registry import registry
from rights.choices import Kind, Status
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


def connect() -> None:
    registry.set_retention_provider(retention_text)
    generations.watch(TEXTS_GENERATION, RetentionRule)
    registry.add_texts_version(texts_version)
    jobs.describe_rules(rule_names)  # the scheduled runs page names the rules it counts by
