"""The purge of package files whose link no longer works (expired or used up).

Registered with the nightly retention purge (``rights.tasks.retention_purge``),
which records each run with its counts. Rows stay, with ``file_deleted_at``,
as the record of what was delivered.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from portal.kernel.audit import audit_log
from rights.retention.purge import Purger, register_purger

from .models import DisclosurePackage

# Files are deleted one by one; 200 per transaction keeps each short.
BATCH_SIZE = 200


def purge_packages(*, today: dt.date, dry_run: bool, run) -> int:
    """Delete the stored files of packages expired (by the end of ``today``, or now
    when ``today`` is today) or used up; safe to run twice, resumable."""
    now = timezone.now()
    if today == timezone.localdate(now):
        cutoff = now
    else:
        cutoff = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
    rows = DisclosurePackage.objects.to_purge(cutoff)
    if dry_run:
        return rows.count()
    total = 0
    cursor = 0
    while True:
        with transaction.atomic():
            batch = list(
                rows.filter(pk__gt=cursor)
                .order_by("pk")
                .select_for_update(skip_locked=True)[:BATCH_SIZE]
            )
            if not batch:
                return total
            for package in batch:
                if package.file:
                    # A file already gone (a crash after deleting it) is no error.
                    package.file.delete(save=False)
                package.file_deleted_at = now
                package.save(update_fields=["file", "file_deleted_at"])
            audit_log(
                action="disclosure.files_purged",
                target=run.record if run is not None else None,
                details={"packages": [p.pk for p in batch], "count": len(batch)},
            )
        total += len(batch)
        cursor = batch[-1].pk


register_purger(Purger("disclosure-packages", "rights.disclosurepackage", purge_packages))
