"""The audit trail: one function writes it, one function checks it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from .client_address import client_ip
from .models import AuditEvent

GENESIS_HASH = "0" * 64
# Key of the PostgreSQL advisory lock that serialises writers of the chain;
# without it two concurrent writers could both link to the same previous row.
_CHAIN_LOCK_KEY = 0x41554454  # "AUDT"


def _target_label(target) -> str:
    if target is None:
        return ""
    if isinstance(target, models.Model):
        return f"{target._meta.label_lower}:{target.pk}"
    return str(target)


def _digest(event: AuditEvent) -> str:
    payload = json.dumps(
        {
            "created_at": event.created_at.isoformat(),
            "actor": event.actor_id,
            "action": event.action,
            "target": event.target,
            "subject": event.subject_id,
            "ip": event.ip_address,
            "details": event.details,
            "prev": event.prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        cls=DjangoJSONEncoder,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def audit_log(
    *,
    action: str,
    actor=None,
    target=None,
    subject=None,
    request=None,
    details: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction if any.

    ``actor`` and ``subject`` are users (or None); ``target`` a model instance
    or a label. ``details`` must be JSON-serialisable and must never contain an
    erased value, a password or a code.
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            created_at=timezone.now(),
            actor=actor,
            action=action,
            target=_target_label(target),
            subject=subject,
            ip_address=client_ip(request),
            # Round-trip through JSON so the hash matches what the database returns.
            details=json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder)),
            prev_hash=last or GENESIS_HASH,
        )
        event.hash = _digest(event)
        event.save()
    return event


STAFF_VIEW_PREFIX = "staff.viewed_"


def audit_staff_view(request, *, what: str, subject, target=None, **details) -> AuditEvent:
    """Record that a member of staff saw a customer's personal data.

    Every staff screen, download or export that shows a subject's data calls
    this once per subject shown: the action is ``staff.viewed_<what>`` (e.g.
    ``staff.viewed_request``), the actor is ``request.user``, the subject is
    the customer whose data was shown. A list of many customers' records
    (an admin changelist) is one event per page with ``subject`` None and the
    list as ``target``. ``details`` say which screen or part (never the
    values shown, never search terms).
    """
    if not what or not what.replace("_", "").isalnum():
        raise ValueError(f"audit_staff_view: {what!r} is not a name like 'request'.")
    return audit_log(
        action=f"{STAFF_VIEW_PREFIX}{what}",
        actor=request.user,
        target=target if target is not None else subject,
        subject=subject,
        request=request,
        details=details,
    )


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    problem: str


def verify_chain(*, chunk_size: int = 2000) -> tuple[int, ChainBreak | None]:
    """Walk the chain in id order; return (rows checked, first break or None)."""
    expected_prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        checked += 1
        if event.prev_hash != expected_prev:
            return checked, ChainBreak(event.id, "previous-hash link does not match")
        if _digest(event) != event.hash:
            return checked, ChainBreak(event.id, "row content does not match its hash")
        expected_prev = event.hash
    return checked, None
