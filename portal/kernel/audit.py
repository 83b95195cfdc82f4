"""The audit trail: one function writes it, one function checks it.

Each event stores the hash of the event before it and its own hash: an
HMAC-SHA256, under a key derived from ``AUDIT_CHAIN_KEY``, of its content and
of that previous hash. Without the key nobody can compute the hash of a
changed, reordered or added row, so the chain breaks where the change is.
Every hour a signed checkpoint of the chain's head goes outside the database
(:mod:`portal.kernel.audit_checkpoints`), so that removing the newest rows,
emptying the table, or rewriting it even with the key is seen too.
PostgreSQL itself refuses updates, deletes and truncation of the table
(triggers, ``portal.kernel.db.append_only_triggers``).

Rows written before the chain was keyed were re-chained under the key by the
migration ``portal 0012`` (after checking them under the old, unkeyed hash;
its result is the ``audit.chain_keyed`` event it appended).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections import deque
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import setting_changed
from django.db import connection, models, transaction
from django.dispatch import receiver
from django.utils import timezone

from . import audit_checkpoints, keyhints
from .audit_checkpoints import Checkpoint
from .client_address import client_ip
from .models import AuditEvent

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# Key of the PostgreSQL advisory lock that serialises writers of the chain;
# without it two concurrent writers could both link to the same previous row.
_CHAIN_LOCK_KEY = 0x41554454  # "AUDT"


@cache
def _row_key() -> bytes:
    key = settings.AUDIT_CHAIN_KEY
    if not key:
        raise ImproperlyConfigured(
            keyhints.required(
                "AUDIT_CHAIN_KEY", "at least 32 random characters", keyhints.RANDOM_SECRET
            )
        )
    if len(key) < keyhints.MIN_SECRET_LENGTH:
        raise ImproperlyConfigured(keyhints.too_short("AUDIT_CHAIN_KEY"))
    return hmac.new(key.encode(), b"audit row", hashlib.sha256).digest()


def check_key() -> None:
    """Raise ImproperlyConfigured now if the chain's key is missing or too short."""
    _row_key()


@receiver(setting_changed)
def _forget_key(*, setting, **kwargs):
    if setting == "AUDIT_CHAIN_KEY":
        _row_key.cache_clear()


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
    return hmac.new(_row_key(), payload.encode(), hashlib.sha256).hexdigest()


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
    # Everything but the link is prepared before the lock is taken.
    event = AuditEvent(
        created_at=timezone.now(),
        actor=actor,
        action=action,
        target=_target_label(target),
        subject=subject,
        ip_address=client_ip(request),
        # Round-trip through JSON so the hash matches what the database returns.
        details=json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder)),
    )
    with transaction.atomic():
        # Held for the read of the last hash and the insert, until this
        # transaction ends: the next writer must see this row to link to it.
        # Called outside a transaction (page views: ATOMIC_REQUESTS is off),
        # that is the insert alone; called inside one, audit last.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.prev_hash = last or GENESIS_HASH
        event.hash = _digest(event)
        event.save()
    return event


def audit_sent(*, request, **fields) -> AuditEvent | None:
    """``audit_log`` for a page or file that shows personal data (a view, a download, an
    export): a HEAD request is answered with the headers alone, so nothing was shown or
    sent and nothing is recorded."""
    if request is not None and request.method == "HEAD":
        return None
    return audit_log(request=request, **fields)


STAFF_VIEW_PREFIX = "staff.viewed_"


def audit_staff_view(request, *, what: str, subject, target=None, **details) -> AuditEvent | None:
    """Record that a member of staff saw a customer's personal data.

    Every staff screen, download or export that shows a subject's data calls
    this once per subject shown: the action is ``staff.viewed_<what>`` (e.g.
    ``staff.viewed_request``), the actor is ``request.user``, the subject is
    the customer whose data was shown. A list of many customers' records
    (an admin changelist) is one event per page with ``subject`` None and the
    list as ``target``. ``details`` say which screen or part (never the
    values shown, never search terms). A HEAD request shows nothing: not recorded.
    """
    if not what or not what.replace("_", "").isalnum():
        raise ValueError(f"audit_staff_view: {what!r} is not a name like 'request'.")
    return audit_sent(
        action=f"{STAFF_VIEW_PREFIX}{what}",
        actor=request.user,
        target=target if target is not None else subject,
        subject=subject,
        request=request,
        details=details,
    )


@dataclass(frozen=True)
class ChainBreak:
    event_id: int | None  # None: the checkpoint file itself is wrong
    problem: str


def load_checkpoints(path=None) -> tuple[list[Checkpoint], ChainBreak | None]:
    """The checkpoints of the file (``AUDIT_CHECKPOINT_FILE`` by default), and
    the first line that is malformed or wrongly signed, as a break."""
    path = settings.AUDIT_CHECKPOINT_FILE if path is None else path
    checkpoints = []
    for line in audit_checkpoints.read(path):
        if line.checkpoint is None:
            return checkpoints, ChainBreak(
                None, f"checkpoint on line {line.number} of {path} is malformed or wrongly signed"
            )
        checkpoints.append(line.checkpoint)
    return checkpoints, None


def verify_chain(
    *, chunk_size: int = 2000, checkpoints: list[Checkpoint] | None = None, path=None
) -> tuple[int, ChainBreak | None]:
    """Walk the chain in id order; return (rows checked, first break or None).

    Each row must link to the one before and match its keyed hash; each
    checkpoint (of ``checkpoints``, else of the file at ``path`` or
    ``AUDIT_CHECKPOINT_FILE``) must find its event with its hash, as the
    ``count``-th row, and a chain shorter than a checkpoint has lost rows.
    """
    if checkpoints is None:
        checkpoints, bad_line = load_checkpoints(path)
        if bad_line is not None:
            return 0, bad_line
    pending = deque(sorted((c for c in checkpoints if c.last_id), key=lambda c: c.last_id))
    expected_prev = GENESIS_HASH
    checked = 0
    last_id = None
    matched = 0  # the id of the newest event a checkpoint confirmed
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        if pending and pending[0].last_id < event.id:
            named = pending[0]
            return checked, ChainBreak(
                named.last_id,
                f"missing: the checkpoint of {named.at} names this event, the chain has no "
                f"such row (it goes from event {last_id} to {event.id})",
            )
        checked += 1
        if event.prev_hash != expected_prev:
            return checked, ChainBreak(event.id, "previous-hash link does not match")
        if _digest(event) != event.hash:
            return checked, ChainBreak(event.id, "row content does not match its hash")
        while pending and pending[0].last_id == event.id:
            named = pending.popleft()
            if named.hash != event.hash or named.count != checked:
                return checked, ChainBreak(
                    event.id,
                    f"differs from the checkpoint of {named.at} (hash {named.hash[:12]}…, "
                    f"{named.count} events; here {event.hash[:12]}…, {checked}): rows after "
                    f"event {matched} up to this one were rewritten",
                )
            matched = event.id
        expected_prev = event.hash
        last_id = event.id
    if pending:
        named = pending[0]
        end = (
            f"the chain ends at event {last_id} after {checked} events"
            if checked
            else "the table holds no event"
        )
        return checked, ChainBreak(
            named.last_id,
            f"missing: the checkpoint of {named.at} names this event as the last of "
            f"{named.count} events; {end}",
        )
    return checked, None


def _head_id() -> int:
    """The id of the newest event every writer before it has committed."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Writers hold the lock until they commit: once we have it, every
            # row with a lower id is committed (held for this one read).
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def checkpoint(
    *, path=None, now: dt.datetime | None = None
) -> tuple[Checkpoint | None, ChainBreak | None]:
    """Check the rows since the newest checkpoint, then append one for the head.

    Nothing is written when those rows, or the row the newest checkpoint
    names, do not verify: a checkpoint must never seal a break. Returns the
    checkpoint written (or None) and the break found.
    """
    path = settings.AUDIT_CHECKPOINT_FILE if path is None else path
    checkpoints = [line.checkpoint for line in audit_checkpoints.read(path) if line.checkpoint]
    head = _head_id()
    base = max(checkpoints, key=lambda c: c.last_id, default=None)
    expected_prev, count = GENESIS_HASH, 0
    if base is not None and base.last_id:
        named = AuditEvent.objects.filter(pk=base.last_id).values_list("hash", flat=True).first()
        if named != base.hash:
            found = "missing" if named is None else "changed"
            return None, ChainBreak(base.last_id, f"{found} since the checkpoint of {base.at}")
        expected_prev, count = base.hash, base.count
    last = base.last_id if base is not None else 0
    rows = AuditEvent.objects.filter(id__gt=last, id__lte=head).order_by("id")
    for event in rows.iterator(chunk_size=2000):
        count += 1
        if event.prev_hash != expected_prev:
            return None, ChainBreak(event.id, "previous-hash link does not match")
        if _digest(event) != event.hash:
            return None, ChainBreak(event.id, "row content does not match its hash")
        expected_prev, last = event.hash, event.id
    made = Checkpoint(
        at=(now or timezone.now()).astimezone(dt.UTC).isoformat(timespec="seconds"),
        last_id=last,
        hash=expected_prev,
        count=count,
    )
    if path:
        audit_checkpoints.append(path, made)
    logger.info(
        "audit checkpoint: event %s, %s events",
        made.last_id,
        made.count,
        extra={"audit_checkpoint": audit_checkpoints.to_record(made)},
    )
    return made, None
