"""Scheduled deletion of identity documents and of spent e-mail confirmations.

Registered with the retention purge job (:func:`rights.retention.purge.run_purge`,
nightly): documents go ``RIGHTS_IDENTITY_DOCUMENT_KEEP_DAYS`` after the
decision on identity, or after the request closed without one (withdrawn,
expired); the request keeps the fact and time of verification. Batches of
rows locked with ``SKIP LOCKED``, each its own transaction, so a second run
at the same time takes other rows and a crash is finished by the next run.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.kernel.registry import Category

from ..retention.purge import Purger, held_request_files_q, purge_in_batches, register_purger
from .documents import document_destroy
from .models import DestroyedBecause, EmailConfirmation, IdentityDocument, RequestIdentity

# Rows per batch: each deletes files, so batches stay small and short.
BATCH_SIZE = 200
# Confirmations older than this are of no use any more (a code lives minutes,
# a confirmed address one hour).
CONFIRMATION_KEEP = dt.timedelta(days=1)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def documents_due(today: dt.date):
    """Documents whose keep period after the decision (or the closing) has ended."""
    cutoff = _midnight(today - dt.timedelta(days=settings.RIGHTS_IDENTITY_DOCUMENT_KEEP_DAYS))
    decided = Q(request__identity__decided_at__lt=cutoff)
    closed_undecided = Q(request__identity__decided_at__isnull=True) & Q(
        request__closed_at__lt=cutoff
    )
    return (
        IdentityDocument.objects.filter(destroyed_at__isnull=True)
        .filter(decided | closed_undecided)
        .exclude(held_request_files_q(today, Category.IDENTITY, Category.REQUESTS))
    )


def purge_identity_documents(*, today: dt.date, dry_run: bool, run) -> int:
    """Destroy the documents whose keep period has ended (:func:`documents_due`)."""

    def purge(batch):
        now = timezone.now()
        for document in batch:
            document_destroy(document, because=DestroyedBecause.KEEP_PERIOD, now=now)
        # The date of birth served only to match the person; it goes with the
        # documents, and the request keeps the fact and time of verification.
        RequestIdentity.objects.filter(
            request_id__in={d.request_id for d in batch}, documents_deleted_at__isnull=True
        ).update(documents_deleted_at=now, subject_date_of_birth=None)

    return purge_in_batches(
        lambda: documents_due(today),
        purge,
        source="rights.identitydocument",
        category=Category.IDENTITY,
        rule="identity-documents",
        today=today,
        dry_run=dry_run,
        run=run,
        size=BATCH_SIZE,
    )


def purge_email_confirmations(*, today: dt.date, dry_run: bool, run) -> int:
    rows = EmailConfirmation.objects.filter(created_at__lt=timezone.now() - CONFIRMATION_KEEP)
    if dry_run:
        return rows.count()
    total = 0
    while True:
        with transaction.atomic():
            ids = list(rows.order_by("pk").values_list("pk", flat=True)[: BATCH_SIZE * 10])
            if not ids:
                return total
            total += EmailConfirmation.objects.filter(pk__in=ids).delete()[0]


register_purger(Purger("identity-documents", "rights.identitydocument", purge_identity_documents))
register_purger(
    Purger("email-confirmations", "rights.emailconfirmation", purge_email_confirmations)
)
