"""Requests entered by staff: a letter, a phone call or a visit, filed for the person."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.kernel.models import ServiceRegistration

from ..choices import Channel, Kind
from ..models import RightsRequest
from ..services import request_file
from .filing import Person, Requester, Upload, identity_request_file
from .models import (
    Capacity,
)


def staff_request_enter(
    *,
    subject,
    kind: str,
    channel: str,
    received_on: dt.date,
    regime: str,
    details: str = "",
    delivery_method: str = "",
    categories: list[str] | None = None,
    scope: dict | None = None,
    services=(),
    needs_verification: bool = False,
    requester: Requester | None = None,
    person: Person | None = None,
    uploads: list[Upload] | None = None,
    confirmed_duplicates=frozenset(),
    actor,
    http_request=None,
) -> RightsRequest:
    """A request received by letter, phone or in person, entered by staff.

    The deadline counts from ``received_on`` (noon that day in the portal's
    time zone). With ``needs_verification`` (or a requester acting for the
    person) it waits for verification like a request from the public form.
    ``services``: the services it concerns, each one the customer is registered
    with (ValidationError naming it otherwise); none means all of them.

    Raises :class:`~rights.services.DuplicateRequest` when the customer has an
    open request of the same kind and scope whose id is not among
    ``confirmed_duplicates`` (the ones staff were shown and chose to file beside).
    """
    if channel not in (Channel.MAIL, Channel.PHONE, Channel.IN_PERSON):
        raise ValidationError(_("Choose how the request arrived: letter, phone or in person."))
    if received_on > timezone.localdate():
        raise ValidationError(_("The date received cannot be in the future."))
    if subject is not None and subject.pk == actor.pk:
        raise ValidationError(_("Staff may not process a request about themselves."))
    if kind == Kind.CORRECTION and not (scope or {}).get("stated_changes"):
        # Nothing could decide it: the working page decides the items it names.
        raise ValidationError(_("Say which item is wrong and what it should be."))
    check_services(subject, services)
    received_at = timezone.make_aware(dt.datetime.combine(received_on, dt.time(12)))
    received_at = min(received_at, timezone.now())
    filing = {
        "confirmed_duplicates": confirmed_duplicates,
        "subject": subject,
        "kind": kind,
        "services": services,
        "categories": categories,
        "scope": scope,
        "details": details,
        "delivery_method": delivery_method,
        "channel": channel,
        "regime": regime,
        "received_at": received_at,
        "actor": actor,
        "http_request": http_request,
    }
    if requester is not None or needs_verification:
        requester = requester or Requester(
            capacity=Capacity.SELF,
            email=subject.email if subject else "",
            language=subject.language if subject else settings.LANGUAGE_CODE,
        )
        if person is None:
            profile = getattr(subject, "profile", None)
            person = Person(
                name=profile.full_name if profile else "",
                email=subject.email,
                language=subject.language,
            )
        return request_file(
            file_with=identity_request_file,
            requester=requester,
            person=person,
            uploads=uploads or [],
            # The customer follows the request as its requester only when they
            # asked themselves; an agent's request is the agent's, and its
            # notices go to the agent's address.
            account=subject if requester.capacity == Capacity.SELF else None,
            **filing,
        )
    return request_file(requester=subject, **filing)


def check_services(subject, services) -> None:
    """ValidationError naming each of ``services`` the customer is not registered with."""
    if not services:
        return
    held = set(
        ServiceRegistration.objects.filter(user=subject, service__in=services).values_list(
            "service_id", flat=True
        )
    )
    refused = [
        _("The customer is not registered with %(service)s.") % {"service": s.display_name}
        for s in services
        if subject is None or s.pk not in held
    ]
    if refused:
        raise ValidationError(refused)
