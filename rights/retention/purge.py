"""The nightly purge of files past their keep period, and the purgers it runs.

Features register a :class:`Purger` (request files here, identity documents
and spent confirmations in :mod:`rights.requesters.purge`, disclosure package
files in :mod:`rights.disclosure.purge`); :func:`purge_in_batches` is the one
loop that removes rows in locked batches and records each batch in the
erasure ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.kernel.dates import portal_day
from portal.kernel.registry import Category
from rights.models import RequestMessage

from .holds import selectors as H
from .ledger import ledger_record
from .models import ErasureLedgerEntry, RetentionRun
from .runs import Run, batch_size, error_text, recorded_run


@dataclass(frozen=True)
class Purger:
    """Something with a keep period outside the registry's records, e.g. files.

    ``purge(today, dry_run, run)`` returns how many items it removed (or
    would); it works in batches and is safe to run twice.
    """

    key: str
    source: str
    purge: Callable[..., int]


_purgers: dict[str, Purger] = {}


def register_purger(purger: Purger) -> Purger:
    _purgers[purger.key] = purger
    return purger


def purgers() -> list[Purger]:
    return list(_purgers.values())


def held_request_files_q(today: dt.date, *categories: str) -> Q:
    """Rows (with a ``request``) whose files a staff hold keeps: holds on the
    customer, or on a service of the request, for all data or one of ``categories``."""
    held = Q(pk__in=[])
    for hold in H.active_holds(on=today):
        if hold.categories and not set(categories) & set(hold.categories):
            continue
        if hold.records:
            continue  # named records are registry records, not files
        if hold.subject_id is not None:
            held |= Q(request__subject_id=hold.subject_id)
        else:
            held |= Q(request__services=hold.service_id)
    return held


def purge_in_batches(
    rows: Callable[[], QuerySet],
    purge: Callable[[list], None],
    *,
    source: str,
    category: str,
    rule: str,
    today: dt.date,
    dry_run: bool,
    run: Run,
    size: int,
) -> int:
    """Purge ``rows()`` batch by batch; return how many rows were purged (or would be).

    Each batch is its own transaction: it takes the hold lock first, so the
    holds that ``rows()`` reads (e.g. :func:`held_request_files_q`) are those
    in force, locks up to ``size`` rows with ``SKIP LOCKED`` (a second run at
    the same time takes other rows), hands them to ``purge`` and records them
    in the erasure ledger as ``source``/``category`` under ``rule``. ``purge``
    must leave a row out of ``rows()`` once done, so a crash is finished by the
    next run. A dry run only counts.
    """
    if dry_run:
        return rows().count()
    total = 0
    cursor = 0
    while True:
        with transaction.atomic():
            H.lock_holds(exclusive=False)
            batch = list(
                rows()
                .filter(pk__gt=cursor)
                .order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))[:size]
            )
            if not batch:
                return total
            purge(batch)
            ledger_record(
                source=source,
                category=category,
                reason=ErasureLedgerEntry.Reason.PURGE,
                count=len(batch),
                record_ids=[row.pk for row in batch],
                rule=rule,
                as_of=today,
                run=run.record,
            )
        total += len(batch)
        cursor = batch[-1].pk
        run.beat()


def purge_request_documents(*, today: dt.date, dry_run: bool, run: Run) -> int:
    """Remove the files attached to requests closed more than
    ``RIGHTS_DOCUMENT_KEEP_DAYS`` ago: identity documents, an agent's proof of
    authority, evidence. The message stays; the file, its name and type go.
    Files of a customer under a staff hold on their requests stay.
    """
    cutoff = timezone.make_aware(
        dt.datetime.combine(
            today - dt.timedelta(days=settings.RIGHTS_DOCUMENT_KEEP_DAYS), dt.time.min
        )
    )

    def rows():
        old = RequestMessage.objects.exclude(attachment="").filter(request__closed_at__lt=cutoff)
        return old.exclude(held_request_files_q(today, Category.REQUESTS))

    def purge(batch):
        for message in batch:
            message.attachment.delete(save=False)
            message.attachment_name = ""
            message.attachment_type = ""
            message.save(update_fields=["attachment", "attachment_name", "attachment_type"])

    return purge_in_batches(
        rows,
        purge,
        source="rights.requestmessage",
        category=Category.REQUESTS,
        rule="request-documents",
        today=today,
        dry_run=dry_run,
        run=run,
        size=min(batch_size(), 500),
    )


register_purger(Purger("request-documents", "rights.requestmessage", purge_request_documents))


def run_purge(
    *, today: dt.date | None = None, dry_run: bool = False, trigger: str = "hand"
) -> RetentionRun:
    today = today or portal_day()
    with recorded_run(RetentionRun.Job.PURGE, dry_run=dry_run, trigger=trigger) as run:
        for purger in purgers():
            if purger.key in run.cursor.get("done", []):
                continue  # finished by the interrupted run this one resumes
            try:
                count = purger.purge(today=today, dry_run=dry_run, run=run)
            except Exception as error:
                run.error(error_text(purger.key, error))
                continue
            run.add(purger.key, purger.source, count)
            run.progress(done=purger.key)
    return run.record
