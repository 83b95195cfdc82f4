"""Filing a request without an account or by an agent: the request, its identity and
its documents, in one transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.kernel.audit import audit_log

from ..choices import Channel, Status
from ..models import RightsRequest
from ..services import request_submit
from ..uploads import clean_name, sealed
from ..workflow import transition
from .models import (
    Capacity,
    EmailConfirmation,
    IdentityDocument,
    RequestIdentity,
)
from .public_form import CONFIRMATION_VALID_FOR


@dataclass(frozen=True)
class Upload:
    """A checked upload: the file, its kind of document and the type found in its bytes."""

    kind: str
    file: object
    content_type: str


@dataclass(frozen=True)
class Person:
    """The person a request is about, as the requester describes them."""

    name: str
    email: str = ""
    phone: str = ""
    date_of_birth: dt.date | None = None
    #: The language the person reads: notices to them go out in it until the request is
    #: matched to a customer. Empty: the requester's.
    language: str = ""


@dataclass(frozen=True)
class Requester:
    capacity: str
    email: str
    language: str
    name: str = ""
    phone: str = ""
    email_confirmed_at: dt.datetime | None = None
    #: Where a paper answer is posted (APPI art. 33(2)); empty for an electronic one.
    postal_code: str = ""
    postal_address: str = ""


def _documents_add(request: RightsRequest, uploads: list[Upload]) -> list[IdentityDocument]:
    documents = []
    for upload in uploads:
        document = IdentityDocument(
            request=request,
            kind=upload.kind,
            original_name=clean_name(
                upload.file.name,
                max_length=IdentityDocument._meta.get_field("original_name").max_length,
                fallback="document",
            ),
            content_type=upload.content_type,
            size=upload.file.size,
        )
        # The stored name is random (see the field's upload_to); this one is not used.
        with sealed(upload.file) as encrypted:
            document.file.save("document", encrypted, save=False)
        document.save()
        documents.append(document)
    return documents


def identity_request_file(
    *,
    kind: str,
    requester: Requester,
    person: Person,
    uploads: list[Upload],
    details: str = "",
    delivery_method: str = "",
    categories: list[str] | None = None,
    scope: dict | None = None,
    services=(),
    channel: str | None = None,
    regime: str | None = None,
    received_at: dt.datetime | None = None,
    declaration_name: str = "",
    account=None,
    subject=None,
    actor=None,
    http_request=None,
) -> RightsRequest:
    """File a request with its identity and documents; it then awaits verification.

    ``categories`` and ``scope`` say what a deletion or a stop covers, as on the
    customer's own forms (see ``rights.forms``).

    ``account`` is the requester's own account when they were logged in with
    the confirmed address (they then follow the request in the portal);
    ``subject`` the customer when staff already know who it is about.
    ``declaration_name``: the consumer signed the declaration under penalty of perjury
    with this name on the public form (CCPA §7062(c)); staff still confirm it.
    """
    if channel is None:
        channel = Channel.PORTAL if requester.capacity == Capacity.SELF else Channel.AGENT
    with transaction.atomic():
        request = request_submit(
            subject=subject,
            requester=account,
            kind=kind,
            services=services,
            categories=categories,
            scope=scope,
            details=details,
            delivery_method=delivery_method,
            channel=channel,
            regime=regime,
            received_at=received_at,
            identity_check=True,
            actor=actor or account,
            http_request=http_request,
        )
        RequestIdentity.objects.create(
            request=request,
            capacity=requester.capacity,
            requester_name=requester.name,
            requester_email=requester.email,
            requester_phone=requester.phone,
            requester_language=requester.language,
            email_confirmed_at=requester.email_confirmed_at,
            postal_code=requester.postal_code,
            postal_address=requester.postal_address,
            subject_name=person.name,
            subject_email=person.email,
            subject_phone=person.phone,
            subject_date_of_birth=person.date_of_birth,
            subject_language=person.language or requester.language,
            documents_consent_at=timezone.now() if uploads else None,
            declaration_name=declaration_name,
            declaration_signed_at=timezone.now() if declaration_name else None,
        )
        documents = _documents_add(request, uploads)
        audit_log(
            action="identity.documents_received",
            actor=actor or account,
            target=request,
            subject=subject,
            request=http_request,
            details={"kinds": sorted(d.kind for d in documents), "capacity": requester.capacity},
        )
        if declaration_name:
            audit_log(
                action="identity.declaration_signed",
                actor=actor or account,
                target=request,
                subject=subject,
                request=http_request,
            )
        transition(
            request,
            to=Status.AWAITING_VERIFICATION,
            actor=actor,
            http_request=http_request,
            notice_extra={"documents": bool(documents)},
        )
    return request


def request_filed_with(confirmation_id) -> RightsRequest | None:
    """The request filed with the used confirmation ``confirmation_id``, or None: the
    second of two posts of the form at once names the request the first filed."""
    confirmation = (
        EmailConfirmation.objects.filter(pk=confirmation_id, used_at__isnull=False).first()
        if confirmation_id
        else None
    )
    if confirmation is None:
        return None
    identities = RequestIdentity.objects.select_related("request").filter(
        email_confirmed_at=confirmation.confirmed_at
    )
    for identity in identities:
        if identity.requester_email.lower() == confirmation.email.lower():
            return identity.request
    return None


def public_request_file(
    *, confirmation_id: int, account=None, http_request=None, **kwargs
) -> RightsRequest:
    """File the public form once per confirmed address: the confirmation is used up."""
    with transaction.atomic():
        confirmation = (
            EmailConfirmation.objects.select_for_update()
            .filter(
                pk=confirmation_id,
                confirmed_at__gte=timezone.now() - CONFIRMATION_VALID_FOR,
                used_at__isnull=True,
            )
            .first()
        )
        if confirmation is None:
            raise ValidationError(
                _("Your e-mail confirmation has expired. Please confirm your address again.")
            )
        requester = dataclasses.replace(
            kwargs.pop("requester"),
            email=confirmation.email,
            email_confirmed_at=confirmation.confirmed_at,
        )
        if account is not None and account.email.lower() != confirmation.email.lower():
            account = None
        request = identity_request_file(
            requester=requester, account=account, http_request=http_request, **kwargs
        )
        confirmation.used_at = timezone.now()
        confirmation.save(update_fields=["used_at"])
    return request
