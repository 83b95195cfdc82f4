"""Telling a system or partner at once that a legal hold placed since its erasure went
out keeps part of it (GDPR art. 17(3)(e); APPI art. 35).

A part is narrowed by the holds in force when it goes out
(:func:`.dispatch.erasure_outside_holds`); a hold placed after the e-mail went out,
or after an HTTP system accepted the call and while it is still working, did not
reach it. When a hold is committed, every such part still awaited whose categories
it keeps is told, once per category:

- an e-mail part: a second mail to the partner (:func:`notice_mail`, queued through
  the outbox in the transaction that records it), naming the request's reference
  and the kinds of data to keep, never the hold's reason;
- an HTTP part: the contract has no message to change or cancel a sent call, so
  nothing is sent; the part's read through the API (``tasks``) shows the kinds in
  ``held_back`` at once, which a system must read again before erasing
  (docs/connectors.md) and, having kept them, list in its ``done`` (``kept``). A
  held kind its ``done`` does not list as kept is alerted
  (:func:`.dispatch.held_data_erased`): nothing told the system.

Either way the kinds move to the part's ``held_back`` (asked for once no hold keeps
them: :mod:`.after_holds`), the part notes what its receiver was told
(``hold_notice``, shown on the request's staff page) and the trail records one
``connector.hold_notice`` event. Each part is handled in a transaction of its own
holding its lock, so two runs at once, or a run repeated, tell each category once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.kernel import outbox
from portal.kernel.audit import audit_log
from portal.kernel.dates import portal_day
from portal.kernel.emails import send_templated_email
from portal.kernel.registry import Category
from rights.retention.holds.selectors import held_categories, held_elsewhere

from .models import ExternalSystem, Operation, SystemTask
from .notices import confirmation_path, contact_language

Mode = ExternalSystem.Mode
State = SystemTask.State


def sent_erasures():
    """Erasure parts that went out and are still awaited: an e-mail mailed, or an HTTP
    call the system accepted (it answers by callback)."""
    return (
        SystemTask.objects.filter(SystemTask.carried_on())
        .filter(operation=Operation.ERASE, state=State.PENDING)
        .filter(
            Q(mode=Mode.EMAIL, emailed_at__isnull=False)
            | Q(mode=Mode.API, accepted_at__isnull=False)
        )
    )


def holds_tell() -> int:
    """Tell every part sent and still awaited what the holds in force keep now; how
    many parts were told."""
    told = 0
    for task_id in sent_erasures().order_by("pk").values_list("pk", flat=True):
        told += bool(_tell(task_id))
    return told


def _tell(task_id: int) -> list[str]:
    """The categories newly told for one part (``[]``: nothing new)."""
    with transaction.atomic():
        task = (
            sent_erasures()
            .select_for_update(of=("self",))
            .select_related("request__subject", "system", "recipient")
            .filter(pk=task_id)
            .first()
        )
        if task is None or task.request.subject is None:
            return []
        held = held_categories(held_elsewhere(task.request.subject, on=portal_day()))
        asked = task.still_to_erase()
        asked = task.everything() if asked is None else asked
        new = [c for c in Category.values if c in held and c in asked]
        if not new:
            return []
        told = set((task.hold_notice or {}).get("categories") or []) | set(new)
        task.held_back = [c for c in Category.values if c in set(task.held_back) | set(new)]
        task.hold_notice = {
            "categories": [c for c in Category.values if c in told],
            "at": timezone.now().isoformat(),
            "via": task.mode,
        }
        task.save(update_fields=["held_back", "hold_notice"])
        audit_log(
            action="connector.hold_notice",
            target=task.request,
            subject=task.request.subject,
            details={"system": task.name, "categories": new, "via": task.mode},
        )
        if task.mode == Mode.EMAIL:
            outbox.enqueue("rights.tasks.connector_hold_notice", task.pk, new)
    return new


def notice_mail(task_id: int, categories: list[str]) -> bool:
    """Mail the partner to keep ``categories`` of the erasure it was asked; True if sent.

    Nothing is mailed once the part is answered or its request no longer asks it.
    """
    task = (
        SystemTask.objects.filter(SystemTask.carried_on())
        .select_related("system", "recipient", "request")
        .filter(pk=task_id, mode=Mode.EMAIL, state=State.PENDING)
        .first()
    )
    if task is None or task.system is None or not task.system.privacy_contact:
        return False
    rest = task.still_to_erase()
    send_templated_email(
        to=task.system.privacy_contact,
        template="connector_hold_notice",
        context={
            "task": task,
            "recipient": task.recipient,
            "reference": task.request.reference,
            "identifiers": task.identifiers,
            "kept": [Category(c).label for c in categories if c in Category.values],
            "rest": None if rest is None else [Category(c).label for c in rest],
            "path": confirmation_path(task),
            # The mail is not to be answered: where to write if data to keep is gone.
            "office_email": settings.PRIVACY_OFFICE_EMAIL,
        },
        language=contact_language(task.system),
    )
    return True
