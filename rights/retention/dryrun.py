"""Dry runs: the jobs' real work in one transaction that is rolled back.

Kept apart so that the erasure code can ask :func:`in_dry_run` (and then
write no audit events, which would hold the audit chain's lock until the
rollback) without importing the jobs.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

from .models import RetentionRun

# The runs of the dry-run transaction open in this context, if one is.
_dry_runs: ContextVar[list[RetentionRun] | None] = ContextVar("retention_dry_runs", default=None)


class _RollBack(Exception):
    pass


def in_dry_run() -> bool:
    return _dry_runs.get() is not None


@contextmanager
def dry_run_scope():
    """Do the work of the jobs in the block, then roll it all back.

    The runs recorded inside are saved again afterwards, marked as dry runs,
    with the counts of the work that was rolled back.
    """
    if in_dry_run():
        yield
        return
    runs: list[RetentionRun] = []
    token = _dry_runs.set(runs)
    try:
        with transaction.atomic():
            yield
            raise _RollBack
    except _RollBack:
        pass
    finally:
        _dry_runs.reset(token)
    for record in runs:
        record.pk = None
        record.dry_run = True
        record.save()
