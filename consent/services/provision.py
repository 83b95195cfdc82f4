"""Provision to third parties: the check before a provision, the record of one,
and requests from public authorities.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.kernel.audit import audit_log

from .. import selectors
from ..models import (
    AuthorityRequest,
    ProcessingRestriction,
    ProvisionRecord,
    Recipient,
)
from .answers import may_provide
from .evidence import lock_subject


class ProvisionRefused(ValidationError):
    """The provision may not be recorded; the message says why."""


# Grounds that rest on the customer's side (consent, or outsourcing within our
# purposes) and so are subject to may_provide. Law, emergency and succession
# are exceptions the law itself makes (APPI Art. 27(1), 27(5)(ii)); a
# customer's stop-provision request cannot override them.
_CUSTOMER_GROUNDS = {
    ProvisionRecord.Ground.CONSENT,
    ProvisionRecord.Ground.OUTSOURCING,
    ProvisionRecord.Ground.JOINT_USE,
}


def provision_check(
    *,
    subject,
    recipient: Recipient,
    ground: str,
    note: str = "",
    provided_on: datetime.date | None = None,
) -> None:
    """Raise :class:`ProvisionRefused` when this provision may not be recorded.

    A record states a provision that took place: one dated after today (the local
    date) is refused, since it would be kept, and counted from, a day that has not come.
    """
    names = {"customer": subject.email, "recipient": recipient.name}
    if provided_on is not None and provided_on > timezone.localdate():
        raise ProvisionRefused(
            _("The date of the provision is in the future. Record a provision once it is made."),
            code="future",
        )
    if (
        ground == ProvisionRecord.Ground.OUTSOURCING
        and recipient.kind != Recipient.Kind.SUBCONTRACTOR
    ):
        raise ProvisionRefused(
            _("Outsourcing is a ground only for subcontractors; %(recipient)s is not one.") % names,
            code="not_subcontractor",
        )
    if (ground == ProvisionRecord.Ground.SUCCESSION) != (
        recipient.kind == Recipient.Kind.SUCCESSOR
    ) and ground != ProvisionRecord.Ground.LAW:
        raise ProvisionRefused(
            _(
                "Business succession is the ground for a successor, and a successor receives "
                "data only by succession (or under law); %(recipient)s does not fit."
            )
            % names,
            code="succession_mismatch",
        )
    if ground == ProvisionRecord.Ground.JOINT_USE and not recipient.is_joint_use:
        raise ProvisionRefused(
            _("Joint use is a ground only for joint users; %(recipient)s is not one.") % names,
            code="joint_use_mismatch",
        )
    if ground in _CUSTOMER_GROUNDS:
        restricted = (
            selectors.restrictions_in_force_for(subject)
            .filter(scope=ProcessingRestriction.Scope.PROVISION)
            .filter(Q(recipient=recipient) | Q(recipient__isnull=True))
        )
        if restricted.exists():
            raise ProvisionRefused(
                _(
                    "%(customer)s has asked us to stop providing their data to %(recipient)s. "
                    "This provision is not allowed and was not recorded."
                )
                % names,
                code="restricted",
            )
        if not may_provide(subject, recipient):
            raise ProvisionRefused(
                _(
                    "%(customer)s has not consented to their data going to %(recipient)s, or "
                    "no purpose of that recipient may be used for them. This provision is not "
                    "allowed and was not recorded."
                )
                % names,
                code="not_allowed",
            )
    elif not note.strip():
        raise ProvisionRefused(
            _("Describe in the note the law, emergency or succession relied on."),
            code="note_required",
        )


def provision_record_create(
    *,
    subject,
    recipient: Recipient,
    provided_on: datetime.date,
    data_items: str,
    ground: str,
    note: str = "",
    categories=(),
    actor=None,
    request=None,
) -> ProvisionRecord:
    """Record a provision of personal data to a third party (APPI Art. 29).

    Refused with :class:`ProvisionRefused` (nothing is written) when the
    ground is consent or outsourcing and :func:`may_provide` says no, e.g.
    because the customer withdrew consent or a stop-provision restriction is
    in force. The check and the write happen under the customer's row lock.
    """
    with transaction.atomic():
        subject = lock_subject(subject)
        provision_check(
            subject=subject, recipient=recipient, ground=ground, note=note, provided_on=provided_on
        )
        record = ProvisionRecord.objects.create(
            subject=subject,
            recipient=recipient,
            provided_on=provided_on,
            data_items=data_items,
            categories=list(categories),
            ground=ground,
            note=note,
            recorded_by=actor,
        )
        audit_log(
            action="consent.provision_recorded",
            actor=actor,
            target=record,
            subject=subject,
            request=request,
            details={"recipient": recipient.pk, "ground": ground},
        )
    return record


def authority_request_record(
    *,
    subject,
    body_kind: str,
    requesting_body: str,
    legal_basis: str,
    received_on: datetime.date,
    decision: str,
    approved_by,
    data_provided: str = "",
    provided_on: datetime.date | None = None,
    reference: str = "",
    note: str = "",
    actor=None,
    request=None,
) -> AuthorityRequest:
    """Record a request from a court, prosecutor, police or other authority.

    Provision under law needs no consent and is not stopped by a customer's
    restriction; what was asked, on which legal basis, what was provided and
    who approved it are kept instead. The approver must be staff.
    """
    if not approved_by.is_staff:
        raise ValueError("The approver must be a member of staff.")
    item = AuthorityRequest(
        subject=subject,
        body_kind=body_kind,
        requesting_body=requesting_body,
        reference=reference,
        legal_basis=legal_basis,
        received_on=received_on,
        decision=decision,
        data_provided=data_provided,
        provided_on=provided_on,
        approved_by=approved_by,
        note=note,
    )
    item.full_clean()
    with transaction.atomic():
        item.save()
        audit_log(
            action="consent.authority_request_recorded",
            actor=actor or approved_by,
            target=item,
            subject=subject,
            request=request,
            details={"body_kind": body_kind, "decision": decision},
        )
    return item
