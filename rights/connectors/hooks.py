"""Wiring, imported from ``RightsConfig.ready``: an approved deletion goes to the
systems outside this database as well, when it enters "in progress", or, when a copy
its person asked for first is still to be made, once that copy is built (the deletion's
task plans it then: :func:`rights.retention.deletion.deletion_execute`)."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from portal.kernel import outbox
from rights.choices import Kind, Status
from rights.retention.models import LegalHold
from rights.retention.scope import requested_scope
from rights.retention.steps import copies_awaited
from rights.workflow import on_entry

from .dispatch import erasure_outside_holds
from .models import ExternalSystem, Operation, SystemTask
from .planning import tasks_plan


@on_entry(Status.IN_PROGRESS, Kind.DELETION)
def plan_external_erasure(request) -> None:
    """Create the erasure tasks of the external systems and recipients; queue the calls.

    What they hold is data about the customer as a whole, not data of one of our
    services: a deletion limited to services leaves it alone, as it leaves such
    data here (:func:`rights.retention.scope.services_q`). The categories a legal
    hold keeps are left out of each task and noted in it, and asked for once the
    hold ends (:mod:`.after_holds`); a task left with nothing to erase is settled
    as not applicable. The calls check the holds again when they go out.

    Nothing is planned while a disclosure or notice of purposes of the same person,
    received before the deletion, still waits for its package: that copy holds what
    the systems return, so they erase after it is built. Planning twice creates the
    tasks once.
    """
    if request.subject_id is None or copies_awaited(request).exists():
        return
    categories, services, closing = requested_scope(request)
    if services:
        return
    for task in tasks_plan(request, Operation.ERASE, categories=None if closing else categories):
        if not task.settled:
            erasure_outside_holds(task)


@receiver(post_save, sender=LegalHold, dispatch_uid="rights.connectors.hooks.hold_placed")
def narrow_staff_erasures(sender, instance, created, **kwargs) -> None:
    """A hold placed after a staff task to erase was planned narrows the task, or
    settles it as not applicable, before staff carry it out from the working page;
    a failed one too (staff may retry it, or its system report again through the
    API). (Calls and e-mails check the holds when they go out; those already out are
    told by :func:`tell_sent_erasures`.)"""
    if created:
        transaction.on_commit(_narrow_staff_erasures)


@receiver(post_save, sender=LegalHold, dispatch_uid="rights.connectors.hooks.hold_told")
def tell_sent_erasures(sender, instance, created, **kwargs) -> None:
    """A hold placed after an e-mail or an accepted call asked to erase what it keeps:
    its receiver is told to keep it (:mod:`.hold_notices`). Queued through the outbox
    in the hold's transaction, so a crash after the commit loses no notice."""
    if created:
        outbox.enqueue("rights.tasks.connectors_hold_tell")


def _narrow_staff_erasures() -> None:
    pending = SystemTask.objects.filter(
        operation=Operation.ERASE,
        mode=ExternalSystem.Mode.MANUAL,
        state__in=(SystemTask.State.PENDING, SystemTask.State.FAILED),
    ).select_related("request__subject", "system")
    for task in pending:
        erasure_outside_holds(task)
