"""The records about a person that concern third parties, for a disclosure.

Who may receive the person's data and who did (APPI Art. 33(5), GDPR Art.
15(1)(c)), the records of provision to third parties (APPI Art. 29) and of
receipt from them (APPI Art. 30, GDPR Art. 15(1)(g)), less any a member of staff
withheld from the disclosure (:mod:`~rights.disclosure.withholding`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q

from consent.models import ProcessingRestriction, ProvisionRecord, ReceiptRecord, Recipient
from consent.selectors import provision_record_keep_until, restrictions_in_force_for

from .scope import PackageScope


@dataclass
class RecipientInfo:
    recipient: Any
    purposes: list[str]
    provided: int
    last_provided: dt.date | None
    stopped: bool


def withheld_provisions(scope: PackageScope) -> set[str]:
    return scope.withheld_ids(ProvisionRecord._meta.label_lower)


def withheld_receipts(scope: PackageScope) -> set[str]:
    # Records of receipt are third-party records too (APPI Art. 33(5)): staff may
    # withhold one on the same grounds, and the section then leaves it out.
    return scope.withheld_ids(ReceiptRecord._meta.label_lower)


def provisions(subject, withheld=()):
    """The customer's provision records, less those withheld from this disclosure."""
    return ProvisionRecord.objects.filter(subject=subject).exclude(pk__in=list(withheld))


def recipients_for(subject, *, withheld=()) -> list[RecipientInfo]:
    """Who may receive the customer's data, and who did (GDPR 15(1)(c), APPI 33(5)).

    Active recipients (a public authority, which receives data only under law,
    only when a record names it) and any recipient a provision record about
    the customer names (less those withheld from this disclosure), with the
    number of such records and whether the customer stopped provision to it.
    Three queries, whatever the number of records.
    """
    provided = {
        row["recipient"]: row
        for row in provisions(subject, withheld)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"), last=Max("provided_on"))
    }
    stops = list(
        restrictions_in_force_for(subject).filter(scope=ProcessingRestriction.Scope.PROVISION)
    )
    stopped_all = any(r.recipient_id is None for r in stops)
    stopped = {r.recipient_id for r in stops}
    recipients = (
        Recipient.objects.filter(
            (Q(is_active=True) & ~Q(kind=Recipient.Kind.PUBLIC_AUTHORITY))
            | Q(pk__in=list(provided))
        )
        .prefetch_related("purposes")
        .order_by("kind", "name_en", "pk")
    )
    return [
        RecipientInfo(
            recipient=recipient,
            purposes=[p.title for p in recipient.purposes.all() if p.is_active],
            provided=provided.get(recipient.pk, {}).get("n", 0),
            last_provided=provided.get(recipient.pk, {}).get("last"),
            stopped=stopped_all or recipient.pk in stopped,
        )
        for recipient in recipients
    ]


def provision_rows(subject, *, withheld=()) -> Iterator[dict[str, Any]]:
    """The customer's records of provision to third parties, oldest last, streamed,
    less those withheld from the disclosure (ids in ``withheld``)."""
    rows = provisions(subject, withheld).select_related("recipient").order_by("-provided_on", "-pk")
    for record in rows.iterator(chunk_size=2000):
        yield {
            "id": record.pk,
            "provided_on": record.provided_on,
            "recipient": record.recipient.name,
            "recipient_kind": record.recipient.get_kind_display(),
            "country": record.recipient.country,
            "data_items": record.data_items,
            "ground": record.get_ground_display(),
            "ground_code": record.ground,
            "kept_until": provision_record_keep_until(record.provided_on),
        }
