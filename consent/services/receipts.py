"""Receipt of personal data from third parties: the record of one (APPI art. 30)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.kernel.audit import audit_log
from portal.kernel.registry import Category

from ..models import ReceiptRecord
from .evidence import lock_subject


class ReceiptRefused(ValidationError):
    """The record of receipt may not be written; the message says why and ``code``
    names the item at fault."""


def receipt_check(
    *,
    received_on: datetime.date | None,
    provider_name: str,
    provider_address: str,
    provider_acquisition: str,
    data_items: str,
    categories=(),
) -> None:
    """Raise :class:`ReceiptRefused` when a record of receipt lacks what APPI art. 30
    asks, or is dated after today (the local date): it states a receipt that took place.

    The representative is asked of a corporation only, so it may be empty.
    """
    if received_on is None:
        raise ReceiptRefused(_("Enter the date the data was received."), code="received_on")
    if received_on > timezone.localdate():
        raise ReceiptRefused(
            _("The date of the receipt is in the future. Record a receipt once it has happened."),
            code="future",
        )
    required = [
        ("provider_name", provider_name, _("Enter the provider's name (APPI art. 30(1)(i)).")),
        (
            "provider_address",
            provider_address,
            _("Enter the provider's address (APPI art. 30(1)(i))."),
        ),
        (
            "provider_acquisition",
            provider_acquisition,
            _(
                "Describe how the provider obtained the data, as confirmed with it "
                "(APPI art. 30(1)(ii))."
            ),
        ),
        ("data_items", data_items, _("Enter the data items received.")),
    ]
    for code, value, message in required:
        if not (value or "").strip():
            raise ReceiptRefused(message, code=code)
    unknown = set(categories) - set(Category.values)
    if unknown:
        raise ReceiptRefused(
            _("Choose each kind of data from the list; %(codes)s is not one.")
            % {"codes": ", ".join(sorted(unknown))},
            code="categories",
        )


def receipt_record_create(
    *,
    subject,
    received_on: datetime.date,
    provider_name: str,
    provider_address: str,
    provider_acquisition: str,
    data_items: str,
    provider_representative: str = "",
    categories=(),
    actor=None,
    request=None,
) -> ReceiptRecord:
    """Record a receipt of the customer's personal data from a third party (APPI art. 30(3)).

    Refused with :class:`ReceiptRefused` (nothing is written) when an item the
    law asks for is missing or the date is in the future. The record and its
    audit event are written in one transaction, under the customer's row lock.
    """
    receipt_check(
        received_on=received_on,
        provider_name=provider_name,
        provider_address=provider_address,
        provider_acquisition=provider_acquisition,
        data_items=data_items,
        categories=categories,
    )
    with transaction.atomic():
        subject = lock_subject(subject)
        record = ReceiptRecord.objects.create(
            subject=subject,
            received_on=received_on,
            provider_name=provider_name.strip(),
            provider_address=provider_address.strip(),
            provider_representative=(provider_representative or "").strip(),
            provider_acquisition=provider_acquisition.strip(),
            data_items=data_items.strip(),
            categories=list(categories),
            recorded_by=actor,
        )
        audit_log(
            action="consent.receipt_recorded",
            actor=actor,
            target=record,
            subject=subject,
            request=request,
            details={"categories": list(categories)},
        )
    return record
