"""Which systems outside this database a request concerns, and their tasks.

An approved erasure, correction or restriction goes to every active system
that holds the data and takes that operation, and to every recipient the
customer's data was provided to (from the provision records, GDPR art. 19):
through the recipient's own system when one is linked, otherwise as a staff
task to tell them, when its provision records name one of the kinds of data
concerned (or name none). Planning runs once per request and operation; running it
again returns the tasks already made.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from consent.models import ProvisionRecord, Recipient
from portal.kernel import outbox
from portal.kernel.registry import registry

from .models import ExternalSystem, HeldDecision, Operation, SystemTask
from .source import subject_identifiers

Mode = ExternalSystem.Mode


def recipients_of(subject) -> list[Recipient]:
    """Every recipient the subject's data was provided to, by the provision records."""
    ids = ProvisionRecord.objects.filter(subject=subject).values("recipient_id")
    return list(Recipient.objects.filter(pk__in=ids).order_by("kind", "name_en"))


def _concerned(system: ExternalSystem, operation: str, *, categories, changes) -> bool:
    if not system.does(operation):
        return False
    if operation == Operation.ERASE:
        return system.holds(categories)
    if operation == Operation.CORRECT:
        return bool(system.field_names() & {c["field"] for c in changes})
    return system.holds(None)


def _instructions(system, operation: str, *, categories, changes, stop=None) -> dict:
    if operation == Operation.RESTRICT:
        return dict(stop or {})
    if operation == Operation.ERASE:
        held = set(system.categories or []) if system is not None else None
        chosen = list(categories) if categories is not None else None
        if chosen is not None and held:
            chosen = [c for c in chosen if c in held] or chosen
        return {"categories": chosen}
    if operation == Operation.CORRECT:
        names = system.field_names() if system is not None else set()
        kept = [c for c in changes if not names or c["field"] in names]
        return {"changes": kept or list(changes)}
    return {}


def stop_instructions(outcome: dict) -> dict:
    """What a stop decision asks each system to stop, in the connector contract's
    terms: ``{"scope": "use", "purposes": [codes]}`` or ``{"scope": "provision",
    "recipients": [{"name_ja", "name_en"}]}``; ``None`` in place of the list when
    every purpose or every recipient was stopped."""
    scope = outcome.get("scope")
    keys = [str(key) for key in outcome.get("stopped") or []]
    everything = "all" in keys
    if scope == "use":
        codes = [key.partition(":")[2] for key in keys if key.startswith("purpose:")]
        return {"scope": "use", "purposes": None if everything else codes}
    ids = [key.partition(":")[2] for key in keys if key.startswith("recipient:")]
    named = {str(r.pk): r for r in Recipient.objects.filter(pk__in=[i for i in ids if i.isdigit()])}
    names = [{"name_ja": named[i].name_ja, "name_en": named[i].name_en} for i in ids if i in named]
    return {"scope": "provision", "recipients": None if everything else names}


def tasks_plan(
    request, operation: str, *, categories=None, changes=(), stop=None, only=None
) -> list[SystemTask]:
    """Create (once) the tasks of ``request`` for ``operation``; queue the automatic ones.

    ``categories``: the kinds of data to erase (None: everything);
    ``changes``: ``[{"field", "value"}]`` of an approved correction; ``stop``:
    what a stop decision stops (:func:`stop_instructions`); ``only``: the ids of
    the recipients told, those a stop of provision stops (None: every recipient the
    data went to). Inside the
    caller's transaction, with the request locked.
    """
    existing = list(request.system_tasks.filter(operation=operation))
    if existing or request.subject_id is None:
        return existing
    subject = request.subject
    changes = list(changes)
    now = timezone.now()
    chosen, manual_recipients = _addressees(
        subject, operation, categories=categories, changes=changes, stop=stop, only=only
    )
    what = {"categories": categories, "changes": changes, "stop": stop}
    tasks = [
        _task(request, system, recipient, operation, now, what)
        for system, recipient in chosen.values()
    ]
    tasks += [
        _task(request, None, recipient, operation, now, what) for recipient in manual_recipients
    ]
    for task in tasks:
        task.identifiers = subject_identifiers(subject)
        _save_and_queue(task)
    return tasks


def erasure_after_hold(task: SystemTask, categories: list[str]) -> SystemTask:
    """A new task asking ``task``'s system (or recipient) to erase ``categories``, which
    a legal hold kept out of ``task`` and no longer keeps. The customer's identifiers
    are those ``task`` sent: what identified them here may be erased by now."""
    what = {"categories": categories, "changes": (), "stop": None}
    followup = _task(
        task.request, task.system, task.recipient, Operation.ERASE, timezone.now(), what
    )
    followup.identifiers = task.identifiers
    followup.follows = task
    _save_and_queue(followup)
    return followup


def _save_and_queue(task: SystemTask) -> None:
    task.save()
    if task.mode == Mode.API:
        outbox.enqueue("rights.tasks.connector_call", task.pk)
    elif task.mode == Mode.EMAIL:
        outbox.enqueue("rights.tasks.connector_mail", task.pk)


def _addressees(subject, operation: str, *, categories, changes, stop=None, only=None):
    """({system id: (system, the recipient it belongs to or None)}, the recipients
    without a system of their own) that ``operation`` on ``subject`` goes to.

    Our own systems (no recipient) that hold the data and take the operation; the
    recipients the customer's data went to (``only``: just these recipient ids, those
    a stop of provision stops; a stop of use: those receiving the data for a purpose
    stopped), through their systems that received the data concerned. A recipient
    the data never went to, or one the stop leaves alone, is not told of the request
    (APPI art. 35; GDPR art. 19).
    """
    chosen: dict[int | None, tuple[ExternalSystem | None, Recipient | None]] = {}
    ours = ExternalSystem.objects.filter(is_active=True, recipient__isnull=True)
    for system in ours:
        if _concerned(system, operation, categories=categories, changes=changes):
            chosen[system.pk] = (system, None)
    manual_recipients = []
    kinds = _kinds_concerned(operation, categories=categories, changes=changes)
    provisions = list(
        ProvisionRecord.objects.filter(subject=subject).only("recipient", "categories")
    )
    for recipient in recipients_of(subject):
        if only is not None and recipient.pk not in only:
            continue
        if operation == Operation.RESTRICT and not _uses_for(recipient, stop):
            continue
        linked = [s for s in recipient.external_systems.all() if s.is_active]
        if not linked and any(
            p.concerns(kinds) for p in provisions if p.recipient_id == recipient.pk
        ):
            manual_recipients.append(recipient)
        for system in linked:
            if _received(system, operation, categories=categories, changes=changes):
                chosen[system.pk] = (system, recipient)
    return chosen, manual_recipients


def _kinds_concerned(operation: str, *, categories, changes) -> set[str] | None:
    """The kinds of data an erasure or correction concerns, by the registry; None when
    any kind may be concerned (everything erased, an item the registry does not know,
    another operation)."""
    if operation == Operation.ERASE:
        return None if categories is None else set(categories)
    if operation != Operation.CORRECT:
        return None
    kinds: set[str] = set()
    for change in changes:
        of_item = {
            str(personal_field.category)
            for source in registry.sources()
            for personal_field in source.fields
            if personal_field.name == change["field"]
        }
        if not of_item:
            return None
        kinds |= of_item
    return kinds


def _received(system: ExternalSystem, operation: str, *, categories, changes) -> bool:
    """Whether a recipient's system got the data ``operation`` concerns, as far as its
    configuration says (one that lists nothing may hold anything)."""
    if operation == Operation.ERASE and system.categories:
        return system.holds(categories)
    if operation == Operation.CORRECT and system.field_names():
        return bool(system.field_names() & {c["field"] for c in changes})
    return True


def _uses_for(recipient: Recipient, stop) -> bool:
    """Whether a stop of use concerns ``recipient``: it receives the data for one of
    the purposes stopped (one that lists no purposes may use it for any)."""
    if not stop or stop.get("scope") != "use" or stop.get("purposes") is None:
        return True
    codes = {p.code for p in recipient.purposes.all()}
    return not codes or bool(codes & set(stop["purposes"]))


def stopped_recipients(outcome: dict) -> set[int] | None:
    """The ids of the recipients a stop of provision stops; None when it stops every
    provision, or is a stop of use (every recipient the data went to is told)."""
    keys = [str(key) for key in outcome.get("stopped") or []]
    if outcome.get("scope") != "provision" or "all" in keys:
        return None
    ids = (key.partition(":")[2] for key in keys if key.startswith("recipient:"))
    return {int(i) for i in ids if i.isdigit()}


def asked_outside(
    subject, operation: str, *, categories=None, changes=(), stop=None, only=None
) -> list[str]:
    """The names of the systems and recipients that ``operation`` on ``subject`` would
    be sent to, as :func:`tasks_plan` would plan it; writes nothing."""
    chosen, manual_recipients = _addressees(
        subject, operation, categories=categories, changes=list(changes), stop=stop, only=only
    )
    return [str(system) for system, _recipient in chosen.values()] + [
        str(recipient) for recipient in manual_recipients
    ]


def _task(request, system, recipient, operation, now, what: dict) -> SystemTask:
    if system is None:
        mode = Mode.MANUAL
    else:
        mode = system.mode
        if mode == Mode.API and not system.does(operation):
            mode = Mode.EMAIL if system.privacy_contact else Mode.MANUAL
    days = system.answer_days if system is not None else settings.CONNECTOR_ANSWER_DAYS
    return SystemTask(
        request=request,
        system=system,
        recipient=recipient,
        operation=operation,
        mode=mode,
        instructions=_instructions(system, operation, **what),
        due_at=now + dt.timedelta(days=days),
    )


def decision_followups(locked, *, to: str, reason: str, ground: str, outcome: dict) -> bool:
    """Plan the external part of a correction or stop decision; True if it must wait.

    When some task is not settled the decision is held (:class:`HeldDecision`)
    and the request completes once the systems answered.
    """
    kind = outcome.get("kind")
    if kind == "correction" and outcome.get("changed"):
        changes = [{"field": c["field"], "value": c["after"]} for c in outcome["changed"]]
        tasks = tasks_plan(locked, Operation.CORRECT, changes=changes)
    elif kind == "stop" and outcome.get("stopped"):
        tasks = tasks_plan(
            locked,
            Operation.RESTRICT,
            stop=stop_instructions(outcome),
            only=stopped_recipients(outcome),
        )
    else:
        return False
    if all(task.settled for task in tasks):
        return False
    HeldDecision.objects.update_or_create(
        request=locked, defaults={"to": to, "reason": reason, "ground": ground, "outcome": outcome}
    )
    return True
