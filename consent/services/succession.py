"""Business succession (APPI Art. 27(5)(ii)): the customers' data handed to the
successor of a merger, split or business transfer, recorded as a provision on its
own ground for each customer, so that their disclosures show it.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.kernel.audit import audit_log

from ..models import ProvisionRecord, Recipient
from .provision import provision_record_create


def succession_record(
    *,
    successor: Recipient,
    subjects,
    provided_on: datetime.date,
    data_items: str,
    note: str,
    actor=None,
) -> int:
    """Record that ``subjects``' data went to ``successor`` by succession on
    ``provided_on``; returns how many records were added.

    ``note`` names the merger or transfer (e.g. the agreement and its date). A
    customer already recorded for the same successor and day is skipped, so
    running it again adds nothing. Raises ValidationError (nothing written) for
    a recipient that is not a successor or an empty note.
    """
    if successor.kind != Recipient.Kind.SUCCESSOR:
        raise ValidationError(_("%(name)s is not a successor.") % {"name": successor.name})
    if not (note or "").strip():
        raise ValidationError(_("Name the merger or business transfer in the note."))
    done = set(
        ProvisionRecord.objects.filter(
            recipient=successor,
            provided_on=provided_on,
            ground=ProvisionRecord.Ground.SUCCESSION,
        ).values_list("subject_id", flat=True)
    )
    added = 0
    with transaction.atomic():
        for subject in subjects.exclude(pk__in=done).order_by("pk").iterator(chunk_size=500):
            provision_record_create(
                subject=subject,
                recipient=successor,
                provided_on=provided_on,
                data_items=data_items,
                ground=ProvisionRecord.Ground.SUCCESSION,
                note=note,
                actor=actor,
            )
            added += 1
        audit_log(
            action="consent.succession_recorded",
            actor=actor,
            target=successor,
            details={"provided_on": provided_on.isoformat(), "records": added},
        )
    return added
