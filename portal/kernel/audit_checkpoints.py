"""Checkpoints of the audit chain's head, kept outside the database.

A checkpoint names the newest event of the chain (its id and hash) and how
many events the chain held up to it, with the time it was taken, signed with
an HMAC-SHA256 under a key derived from ``AUDIT_CHAIN_KEY``. The beat job
``portal.tasks.audit_checkpoint`` appends one every hour to
``AUDIT_CHECKPOINT_FILE`` (one JSON object a line, flushed and ``fsync``-ed,
like the erasure ledger's file) and writes it to the log, which is shipped
off the machine. Someone who can rewrite the database, even with the key,
cannot rewrite what a checkpoint already fixed; without the key they cannot
forge a checkpoint either. :func:`portal.kernel.audit.verify_chain` checks the
table against every checkpoint of the file.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings

# Marks a checkpoint line in the file and in the log (the format's version).
LINE_MARK = "audit_checkpoint"
LINE_VERSION = 1


@dataclass(frozen=True)
class Checkpoint:
    at: str  # ISO 8601, UTC
    last_id: int  # 0 for an empty chain
    hash: str
    count: int


@dataclass(frozen=True)
class CheckpointLine:
    number: int  # 1-based line number in the file
    checkpoint: Checkpoint | None  # None: malformed or wrongly signed


def _signing_key() -> bytes:
    key = settings.AUDIT_CHAIN_KEY.encode()
    return hmac.new(key, b"audit checkpoint", hashlib.sha256).digest()


def signature(checkpoint: Checkpoint) -> str:
    message = json.dumps(asdict(checkpoint), sort_keys=True, separators=(",", ":"))
    return hmac.new(_signing_key(), message.encode(), hashlib.sha256).hexdigest()


def to_record(checkpoint: Checkpoint) -> dict:
    """The signed checkpoint as written to the file and to the log."""
    return {LINE_MARK: LINE_VERSION, **asdict(checkpoint), "signature": signature(checkpoint)}


def from_record(record: dict) -> Checkpoint | None:
    """The checkpoint of a line, or None when it is malformed or its signature is wrong."""
    try:
        checkpoint = Checkpoint(
            at=str(record["at"]),
            last_id=int(record["last_id"]),
            hash=str(record["hash"]),
            count=int(record["count"]),
        )
        signed = str(record["signature"])
    except (KeyError, TypeError, ValueError):
        return None
    if record.get(LINE_MARK) != LINE_VERSION:
        return None
    return checkpoint if hmac.compare_digest(signed, signature(checkpoint)) else None


def read(path) -> list[CheckpointLine]:
    """Every line of a checkpoint file, in order; [] when there is no file."""
    if not path or not Path(path).exists():
        return []
    lines = []
    with open(path, encoding="utf-8") as checkpoint_file:
        # A shared lock: no writer is half-way through a line while we read.
        fcntl.flock(checkpoint_file.fileno(), fcntl.LOCK_SH)
        for number, text in enumerate(checkpoint_file, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except ValueError:
                record = None
            checkpoint = from_record(record) if isinstance(record, dict) else None
            lines.append(CheckpointLine(number, checkpoint))
    return lines


def append(path, checkpoint: Checkpoint) -> None:
    """Append one signed line and sync it to disk before returning. Raises ``OSError``.

    ``O_APPEND`` under an exclusive ``flock``, then ``fsync`` (and of the
    directory when the file is new), as for the erasure ledger's file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    created = not target.exists()
    data = (json.dumps(to_record(checkpoint), sort_keys=True) + "\n").encode()
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
