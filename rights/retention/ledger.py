"""The erasure ledger: a restore never resurrects an account or a record.

Every erasure and every account closure is an :class:`ErasureLedgerEntry`
row, written in the transaction that erases, and a line of
``RIGHTS_ERASURE_LEDGER_FILE``, a file kept apart from the database backups.
The line is written, flushed and ``fsync``-ed (``O_APPEND``, under ``flock``)
inside that transaction, once the rows are erased and before the commit; if
it cannot be written the transaction rolls back. So every committed erasure
has its line on disk, also when the worker is killed right after the commit.

The price is that a line may exist for a transaction that then rolled back.
The line carries the PostgreSQL transaction id (with the cluster's system
identifier); ``import_ledger_file`` leaves out a line whose transaction the
server knows rolled back. Where the server cannot tell (a restore into a new
cluster), the line is applied, and that is harmless: an entry is only written
after its decision was committed in an earlier transaction (the deletion
request approved and in progress, a retention rule's period ended, the
closure asked for by that deletion), the erasure would have been retried to
the same end, and the replay re-checks today's holds and erases only rows
still there and not yet anonymised. A closure entry closes the account again
(inactive, unusable password, no one-time-password devices, no sessions).

The nightly ``rights.tasks.erasure_ledger_fill`` appends any committed entry
the file lacks (entries from before lines were written ahead of the commit,
or made while the file was turned off). After a restore, the documented
replay is ``manage.py reapply_erasures --ledger <file>`` (:mod:`.replay`;
docs/operations.md, *Restore and replay*).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from .dryrun import in_dry_run
from .models import ErasureLedgerEntry


def ledger_record(
    *,
    source: str,
    category: str,
    reason: str,
    count: int,
    subject_id=None,
    record_ids=(),
    services=(),
    max_pk=None,
    first_pk=None,
    rule: str = "",
    as_of: dt.date | None = None,
    request_id=None,
    run=None,
) -> ErasureLedgerEntry:
    """Add an entry to the erasure ledger; call inside the erasing transaction,
    once the rows are erased and before it commits.

    The entry is written to ``RIGHTS_ERASURE_LEDGER_FILE`` and synced to disk
    right here, before the commit (see the module docstring): a worker
    killed right after the commit has already written it. When the file cannot
    be written the error propagates and the erasure rolls back, so nothing is
    erased that the file lacks. A dry run writes nothing to the file.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_record must be called inside the erasing transaction")
    entry = ErasureLedgerEntry.objects.create(
        subject_id=subject_id,
        source=source,
        category=category,
        reason=reason,
        count=count,
        record_ids=list(record_ids),
        services=list(services),
        max_pk=max_pk,
        first_pk=first_pk,
        rule=rule,
        as_of=as_of,
        request_id=request_id,
        run=run,
    )
    if not in_dry_run():
        ledger_file_append([ledger_line(entry, transaction_id=current_transaction_id())])
    return entry


LEDGER_FIELDS = (
    "uid",
    "subject_id",
    "source",
    "category",
    "reason",
    "rule",
    "as_of",
    "record_ids",
    "services",
    "first_pk",
    "max_pk",
    "count",
    "request_id",
    "erased_at",
)


def ledger_line(entry: ErasureLedgerEntry, *, transaction_id: str | None = None) -> str:
    """The entry as one line of the file; ``transaction_id`` says which transaction wrote it."""
    data = {name: getattr(entry, name) for name in LEDGER_FIELDS}
    data["uid"] = str(entry.uid)
    data["as_of"] = entry.as_of.isoformat() if entry.as_of else None
    data["erased_at"] = entry.erased_at.isoformat()
    if transaction_id:
        data["transaction"] = transaction_id
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def current_transaction_id() -> str | None:
    """``<cluster>:<transaction>`` of the open PostgreSQL transaction (None elsewhere).

    The cluster's system identifier makes the id mean something only to the
    server that wrote it: a restore into another cluster treats it as unknown.
    """
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT system_identifier FROM pg_control_system())::text, "
            "pg_current_xact_id()::text"
        )
        cluster, xid = cursor.fetchone()
    return f"{cluster}:{xid}"


def transaction_rolled_back(transaction_id: str | None) -> bool:
    """Whether this database server knows that the transaction ended without commit.

    False when it cannot tell (another cluster, SQLite, a transaction too old
    for the server to remember): the caller then treats the entry as made.
    """
    if not transaction_id or connection.vendor != "postgresql":
        return False
    cluster, _, xid = transaction_id.partition(":")
    with connection.cursor() as cursor:
        cursor.execute("SELECT system_identifier::text FROM pg_control_system()")
        if cursor.fetchone()[0] != cluster:
            return False
        # The snapshot's xmax: the first transaction id not yet started (reading it
        # assigns no id of our own).
        cursor.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
        if int(xid) >= cursor.fetchone()[0]:
            return False  # not a transaction this server has started
        cursor.execute("SELECT pg_xact_status(%s::xid8)", [xid])
        return cursor.fetchone()[0] == "aborted"


def ledger_file_append(lines: list[str]) -> None:
    """Append whole lines to the ledger file and sync them to disk before returning.

    Opened with ``O_APPEND`` and written under an exclusive ``flock``, so lines
    of concurrent writers never interleave; ``fsync`` makes them survive a
    crash of the machine, not only of the process. Raises ``OSError``.
    """
    path = settings.RIGHTS_ERASURE_LEDGER_FILE
    if not path or not lines:
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    created = not target.exists()
    data = "".join(line + "\n" for line in lines).encode()
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
        # The new file's name must survive a crash too.
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def ledger_file_uids(path) -> set[str]:
    """The ids of the entries a ledger file holds."""
    uids = set()
    with open(path, encoding="utf-8") as ledger_file:
        # A shared lock: no writer is half-way through a line while we read.
        fcntl.flock(ledger_file.fileno(), fcntl.LOCK_SH)
        for line in ledger_file:
            if line.strip():
                uids.add(json.loads(line)["uid"])
    return uids


def ledger_file_fill(*, since: dt.datetime | None = None) -> int:
    """Append to the ledger file the committed entries it lacks; return how many.

    Entries are written to the file before their transaction commits, so this
    finds only what an older release appended after commit and lost, or what
    was made while the file was turned off. Run by the nightly beat job
    (``rights.tasks.erasure_ledger_fill``).
    """
    path = settings.RIGHTS_ERASURE_LEDGER_FILE
    if not path:
        return 0
    present = ledger_file_uids(path) if Path(path).exists() else set()
    entries = ErasureLedgerEntry.objects.order_by("pk")
    if since is not None:
        entries = entries.filter(erased_at__gte=since)
    missing = [
        ledger_line(entry)
        for entry in entries.iterator(chunk_size=1000)
        if str(entry.uid) not in present
    ]
    ledger_file_append(missing)
    return len(missing)
