"""Carrying out an approved deletion request, and finishing it.

:func:`deletion_execute` plans the request once (:mod:`.planning`), runs the
steps due today (:mod:`.steps`), closes the account when asked
(:mod:`.closure`), and finishes the request with a statement that lists what
is kept, under which law, until when (:mod:`.statement`). The beat job runs
the other steps on their day (:mod:`.deferred`).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from portal.kernel.dates import portal_day
from rights.choices import Kind, Status
from rights.connectors.hooks import plan_external_erasure
from rights.connectors.models import Operation
from rights.connectors.summary import customer_text, kept_outside
from rights.models import RightsRequest
from rights.transition_rules import erasure_ran, systems_answered
from rights.workflow import transition

from .closure import account_close
from .models import DeferredErasure
from .planning import deletion_plan
from .restriction import restrict_kept
from .scope import requested_scope
from .statement import deletion_statement
from .steps import copies_awaited, step_execute

logger = logging.getLogger(__name__)

Step = DeferredErasure


def deletion_execute(*, request, today: dt.date | None = None) -> None:
    """Carry out an approved deletion request and finish it.

    Called by the task queued when the request enters "in progress". Plans
    the steps once, runs those due today, closes the account when asked, and
    moves the request to completed, or partially completed with the
    statement of what is kept (rendered in the customer's language). Running
    it again after an interruption finishes the work without erasing
    anything twice; a request that is no longer in progress is left alone.
    """
    today = today or portal_day()
    with transaction.atomic():
        locked = (
            RightsRequest.objects.select_for_update(of=("self",))
            .select_related("subject")
            .get(pk=request.pk)
        )
        if locked.kind != Kind.DELETION or locked.status != Status.IN_PROGRESS:
            return
        if locked.subject is None:
            logger.warning("deletion %s has no data subject yet", locked.pk)
            return
        deletion_plan(locked, today=today)
        # The systems outside are asked once no copy asked for first is still to be
        # made (planned when the deletion started, unless one was).
        if not locked.system_tasks.filter(operation=Operation.ERASE).exists():
            plan_external_erasure(locked)
    for step in locked.deferred_erasures.filter(
        status=Step.Status.PENDING, reason=Step.Reason.REQUEST, not_before__lte=today
    ).order_by("pk"):
        step_execute(step, today=today)
    if copies_awaited(locked).exists():
        # A copy its person asked for first is still to be made: nothing is finished
        # before it is built; its closing queues this task again (hooks.erase_after_copy).
        return
    if not erasure_ran(locked):
        # Another runner holds a step due today; it finishes the request.
        return
    if not systems_answered(locked):
        # The systems outside this database finish it when the last one answers.
        return
    _categories, _services, closing = requested_scope(locked)
    if closing:
        account_close(user=locked.subject, request=locked)
    restrict_kept(locked, closing=closing)
    statement, partial = deletion_statement(locked)
    partial = partial or kept_outside(locked)
    # The systems outside in a paragraph of their own: the statement may end in a list.
    statement = "\n\n".join(part for part in (statement, customer_text(locked)) if part)
    transition(
        locked,
        to=Status.PARTIALLY_COMPLETED if partial else Status.COMPLETED,
        actor=None,
        reason=statement,
    )
    request.refresh_from_db()


def erase_after_notice(request, *, today: dt.date | None = None) -> int:
    """Erase a closed account's address once the final notice of ``request`` has gone
    to it: the deletion that closed it, or the last of the person's requests still open
    then (:func:`~.steps.step_execute` keeps the address while one is open)."""
    people = {pk for pk in (request.subject_id, request.requester_id) if pk}
    if not people:
        return 0
    steps = Step.objects.filter(
        status=Step.Status.PENDING, reason=Step.Reason.NOTICE, subject_id__in=people
    ).order_by("pk")
    return sum(step_execute(step, today=today) for step in steps)
