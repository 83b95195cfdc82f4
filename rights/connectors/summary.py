"""What the pages say about the systems outside this database.

:func:`staff_rows` is the table on the request's working page (every system,
its state, attempts, error, note); :func:`customer_summary` the plain
sentences the person reads on their request's page and in the final notice
("your data was deleted from 4 of our systems and we told 2 partners"),
with the names of the partners told (GDPR art. 19, second sentence).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.kernel import zones
from portal.kernel.registry import Category
from portal.kernel.wording import listed, sentences
from rights.choices import Status
from rights.models import OPEN_STATUSES

from .models import Operation, SystemTask

State = SystemTask.State


@dataclass(frozen=True)
class CustomerSummary:
    lines: list[str]
    partners: list[str]


def tasks_of(request) -> list[SystemTask]:
    return list(
        request.system_tasks.select_related("system", "recipient").order_by("operation", "pk")
    )


def no_longer_asked(task: SystemTask, request) -> bool:
    """Whether ``task`` is left unsettled by its closed request (refused, withdrawn,
    expired): nothing is awaited of the system any more. An erasure asked once a legal
    hold ended is awaited though its request closed."""
    return not task.settled and task.follows_id is None and request.status not in OPEN_STATUSES


def _not_asked_line(request) -> str:
    """Why a part is not asked of its system: the request closed on a day, or waits."""
    if request.status not in OPEN_STATUSES:
        day = zones.written(request.closed_at, "DATE_FORMAT")
        if request.status == Status.REJECTED:
            return _("No longer asked: the request was rejected on %(day)s.") % {"day": day}
        if request.status == Status.WITHDRAWN:
            return _("No longer asked: the request was withdrawn on %(day)s.") % {"day": day}
        return _("No longer asked: the request was closed as “%(status)s” on %(day)s.") % {
            "status": request.get_status_display(),
            "day": day,
        }
    return _("Not asked while the request is “%(status)s”.") % {
        "status": request.get_status_display()
    }


def staff_rows(request) -> list[SystemTask]:
    """The request's tasks, each with ``asked`` (its system is asked now: staff may settle
    it) and, for one unsettled and not asked, ``not_asked``: why, in words."""
    tasks = tasks_of(request)
    asked = set(request.system_tasks.filter(SystemTask.carried_on()).values_list("pk", flat=True))
    for task in tasks:
        task.asked = task.pk in asked
        task.not_asked = "" if task.settled or task.asked else _not_asked_line(request)
    return tasks


#: A stop of provision to third parties, told apart from a stop of use.
PROVISION = "provision"


def _stops_provision(task: SystemTask) -> bool:
    return (task.instructions or {}).get("scope") == "provision"


def _done_sentence(operation: str, systems: int, partners: int) -> str:
    if not partners:
        return _done_alone(operation, systems)
    if operation == Operation.ERASE:
        text = ngettext(
            "Your data was deleted from %(systems)d of our systems",
            "Your data was deleted from %(systems)d of our systems",
            systems,
        )
    elif operation == Operation.CORRECT:
        text = ngettext(
            "Your data was corrected in %(systems)d of our systems",
            "Your data was corrected in %(systems)d of our systems",
            systems,
        )
    elif operation == PROVISION:
        text = ngettext(
            "The provision of your data to third parties was stopped in %(systems)d of our systems",
            "The provision of your data to third parties was stopped in %(systems)d of our systems",
            systems,
        )
    else:
        text = ngettext(
            "The use of your data was stopped in %(systems)d of our systems",
            "The use of your data was stopped in %(systems)d of our systems",
            systems,
        )
    told = ngettext(
        " and we told %(partners)d partner.",
        " and we told %(partners)d partners.",
        partners,
    )
    return (text % {"systems": systems}) + (told % {"partners": partners})


def _done_alone(operation: str, systems: int) -> str:
    """The sentence when no partner had to be told."""
    if operation == Operation.ERASE:
        text = ngettext(
            "Your data was deleted from %(systems)d of our systems.",
            "Your data was deleted from %(systems)d of our systems.",
            systems,
        )
    elif operation == Operation.CORRECT:
        text = ngettext(
            "Your data was corrected in %(systems)d of our systems.",
            "Your data was corrected in %(systems)d of our systems.",
            systems,
        )
    elif operation == PROVISION:
        text = ngettext(
            "The provision of your data to third parties was stopped in %(systems)d of "
            "our systems.",
            "The provision of your data to third parties was stopped in %(systems)d of "
            "our systems.",
            systems,
        )
    else:
        text = ngettext(
            "The use of your data was stopped in %(systems)d of our systems.",
            "The use of your data was stopped in %(systems)d of our systems.",
            systems,
        )
    return text % {"systems": systems}


def _told(task: SystemTask) -> bool:
    """Whether the recipient of ``task`` was told: settled, and neither impossible nor
    left untold because a legal hold kept everything it would have been asked."""
    return task.settled and task.state != State.IMPOSSIBLE and not task.sent_nothing


def _held_back_lines(tasks: list[SystemTask]) -> list[str]:
    """What a legal hold keeps for now in the systems and partners asked to erase."""
    held = [t for t in tasks if t.held_back]
    if not held:
        return []
    codes = {code for t in held for code in t.held_back}
    kinds = [Category(code).label for code in Category.values if code in codes]
    count = len({(t.system_id, t.recipient_id) for t in held})
    text = ngettext(
        "Under a legal hold, %(kinds)s is kept for now in %(count)d of the systems and "
        "partners we asked; we will have it erased there when the hold ends.",
        "Under a legal hold, %(kinds)s is kept for now in %(count)d of the systems and "
        "partners we asked; we will have it erased there when the hold ends.",
        count,
    )
    return [text % {"kinds": listed(kinds), "count": count}]


def kept_outside(request) -> bool:
    """Whether a legal hold keeps some of what ``request`` asked to erase outside."""
    return request.system_tasks.filter(operation=Operation.ERASE).exclude(held_back=[]).exists()


def customer_summary(request) -> CustomerSummary | None:
    """The sentences for the person; None when no system outside this database took part."""
    tasks = [t for t in tasks_of(request) if t.operation != Operation.ACCESS]
    if not tasks:
        return None
    lines = []
    partners: list[str] = []
    for operation in (Operation.ERASE, Operation.CORRECT, Operation.RESTRICT):
        of_kind = [t for t in tasks if t.operation == operation]
        if not of_kind:
            continue
        own = [t for t in of_kind if t.recipient is None]
        told = [t for t in of_kind if t.recipient is not None and _told(t)]
        # This database is one of the systems; the others count when they acted (once,
        # however many tasks they had: an erasure is asked again when a legal hold ends).
        systems = 1 + len({t.system_id for t in own if t.state == State.DONE})
        said = operation
        if operation == Operation.RESTRICT and all(_stops_provision(t) for t in of_kind):
            said = PROVISION
        lines.append(_done_sentence(said, systems, len({t.recipient_id for t in told})))
        for name in (str(t.recipient) for t in told):
            if name not in partners:
                partners.append(name)
        if operation == Operation.ERASE:
            lines += _held_back_lines(of_kind)
    # Systems, not tasks: one asked again when a hold ended is still one system. One
    # its closed request no longer asks is not awaited.
    waiting = len(
        {
            (t.system_id, t.recipient_id)
            for t in tasks
            if not t.settled and not no_longer_asked(t, request)
        }
    )
    if waiting:
        lines.append(
            ngettext(
                "We are still waiting for %(count)d system to confirm.",
                "We are still waiting for %(count)d systems to confirm.",
                waiting,
            )
            % {"count": waiting}
        )
    impossible = len({(t.system_id, t.recipient_id) for t in tasks if t.state == State.IMPOSSIBLE})
    if impossible:
        lines.append(
            ngettext(
                "%(count)d could not be reached; we recorded why.",
                "%(count)d could not be reached; we recorded why.",
                impossible,
            )
            % {"count": impossible}
        )
    if partners:
        lines.append(_("Partners we told: %(names)s.") % {"names": listed(partners).rstrip(".")})
    return CustomerSummary(lines=lines, partners=partners)


def customer_text(request) -> str:
    """The sentences in the person's language, as one paragraph (for the final notice):
    in Japanese one after the other without a space."""
    subject = request.subject
    with translation.override(getattr(subject, "language", None) or settings.LANGUAGE_CODE):
        summary = customer_summary(request)
        return sentences(summary.lines) if summary else ""
