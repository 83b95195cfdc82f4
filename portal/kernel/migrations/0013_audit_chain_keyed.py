"""Re-chain the audit events written before the chain was keyed.

Until now each event's hash was a plain SHA-256 of its content and of the
hash before it, which anyone can recompute. From now on it is an HMAC-SHA256
under a key derived from ``AUDIT_CHAIN_KEY`` (portal/kernel/audit.py). This
migration first checks the existing rows under the old hash, then computes
every row's link and hash again under the key, in id order, and appends one
event, ``audit.chain_keyed``, that says how many rows were re-chained, the old
chain's last hash and whether the old chain was intact (or where it broke):
a break found now stays on record, under the key, instead of vanishing in the
re-chaining. Nothing is appended to an empty table. Atomic: the chain is
either all old or all keyed. Migrating back computes the old hashes again.

The hash is written out here rather than imported, so that this migration
keeps computing the hash it was written for.
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations
from django.utils import timezone

GENESIS_HASH = "0" * 64
BATCH = 1000


def _payload(event) -> bytes:
    return json.dumps(
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
    ).encode()


def _unkeyed(event) -> str:
    return hashlib.sha256(_payload(event)).hexdigest()


def _keyed_with(key: bytes):
    return lambda event: hmac.new(key, _payload(event), hashlib.sha256).hexdigest()


def _row_key() -> bytes:
    return hmac.new(settings.AUDIT_CHAIN_KEY.encode(), b"audit row", hashlib.sha256).digest()


def _check(AuditEvent, digest) -> tuple[int, str, str]:
    """(rows, last hash, "intact" or where the chain breaks) under ``digest``."""
    expected, rows, problem = GENESIS_HASH, 0, "intact"
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=BATCH):
        rows += 1
        if problem == "intact":
            if event.prev_hash != expected:
                problem = f"broken at event {event.id}: previous-hash link does not match"
            elif digest(event) != event.hash:
                problem = f"broken at event {event.id}: row content does not match its hash"
        expected = event.hash
    return rows, expected, problem


def _rechain(AuditEvent, digest) -> str:
    """Compute every row's link and hash again under ``digest``; the last hash."""
    prev, batch = GENESIS_HASH, []
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=BATCH):
        event.prev_hash = prev
        event.hash = prev = digest(event)
        batch.append(event)
        if len(batch) == BATCH:
            AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash"])
            batch = []
    if batch:
        AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash"])
    return prev


def key_the_chain(apps, schema_editor):
    AuditEvent = apps.get_model("portal", "AuditEvent")
    rows, old_head, old_chain = _check(AuditEvent, _unkeyed)
    if not rows:
        return
    digest = _keyed_with(_row_key())
    last = _rechain(AuditEvent, digest)
    event = AuditEvent(
        created_at=timezone.now(),
        action="audit.chain_keyed",
        target="",
        details={"rows": rows, "old_last_hash": old_head, "old_chain": old_chain},
        prev_hash=last,
    )
    event.hash = digest(event)
    event.save()


def unkey_the_chain(apps, schema_editor):
    _rechain(apps.get_model("portal", "AuditEvent"), _unkeyed)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0012_business_records_moved_to_records_app"),
    ]

    operations = [migrations.RunPython(key_the_chain, unkey_the_chain)]
