"""Destroying identity documents: after the decision, or at once when one holds a My Number."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from portal.kernel.audit import audit_log

from .models import (
    DestroyedBecause,
    IdentityDocument,
)

DESTROYED_FIELDS = [
    "file",
    "original_name",
    "content_type",
    "size",
    "destroyed_at",
    "destroyed_because",
    "destroyed_by",
]


def document_destroy(
    document: IdentityDocument, *, because: str, by=None, now: dt.datetime | None = None
) -> None:
    """Delete the file of a locked document; the row keeps its kind and when, why and by
    whom the file went. Call inside the transaction that locked it: the file is removed
    after commit, so a rolled-back transaction loses nothing."""
    name, storage = document.file.name, document.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
    document.file = ""
    document.original_name = ""
    document.content_type = ""
    document.size = 0
    document.destroyed_at = now or timezone.now()
    document.destroyed_because = because
    document.destroyed_by = by
    document.save(update_fields=DESTROYED_FIELDS)


def document_destroy_my_number(
    *, document: IdentityDocument, actor, http_request=None
) -> IdentityDocument:
    """The document shows an individual number: delete the file at once (My Number Act
    art. 20); the row keeps only that it was destroyed, when and by whom."""
    with transaction.atomic():
        locked = IdentityDocument.objects.select_for_update().get(pk=document.pk)
        if locked.is_destroyed:
            return locked
        document_destroy(locked, because=DestroyedBecause.MY_NUMBER, by=actor)
        audit_log(
            action="identity.my_number_destroyed",
            actor=actor,
            target=locked,
            subject=locked.request.subject,
            request=http_request,
            details={"kind": locked.kind},
        )
    return locked
