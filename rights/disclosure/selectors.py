"""Reads for disclosure delivery: the customer's package by token, what a request page shows."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone

from rights.choices import Kind
from rights.models import RightsRequest

from .models import DELIVERED_KINDS, DisclosureDelivery, DisclosurePackage
from .services import download_path, token_hash

# 32 bytes of HMAC in url-safe base64 without padding.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")


def package_for_download(*, user, token: str, replaced: bool = False) -> DisclosurePackage | None:
    """The package behind ``token`` if ``user`` may see its request, else None (a 404).

    ``replaced``: the package whose renewal replaced the link ``token`` was.
    """
    if not TOKEN_RE.fullmatch(token or ""):
        return None
    column = "replaced_token_hash" if replaced else "token_hash"
    return (
        DisclosurePackage.objects.select_related("request")
        .filter(
            **{column: token_hash(token)},
            request__in=RightsRequest.objects.for_customer(user).values("pk"),
        )
        .first()
    )


@dataclass(frozen=True)
class Delivery:
    """What the customer's request page says about the delivery."""

    package: DisclosurePackage | None
    delivery: DisclosureDelivery | None
    url: str
    unavailable: str


def delivery_for_customer(request: RightsRequest) -> Delivery | None:
    """The download (or posting) of a completed request, for its customer page.

    None while nothing is delivered: a failed or running build is staff's
    business, and the person sees the request in progress.
    """
    if request.kind not in DELIVERED_KINDS:
        return None
    package = DisclosurePackage.objects.filter(request=request).first()
    delivery = DisclosureDelivery.objects.filter(request=request).first()
    if package is not None:
        return Delivery(
            package=package,
            delivery=delivery,
            url=download_path(package),
            unavailable=package.unavailable_reason(timezone.now()),
        )
    if delivery is not None and delivery.state == DisclosureDelivery.State.POSTED:
        return Delivery(package=None, delivery=delivery, url="", unavailable="")
    return None


@dataclass(frozen=True)
class PostalAddress:
    """Where a paper answer is posted, and to whom."""

    name: str
    postal_code: str
    address: str
    #: Given with the request (the public form), or read from the customer's profile.
    from_request: bool


def paper_address(request: RightsRequest) -> PostalAddress | None:
    """The address a paper answer goes to (APPI art. 33(2)): the one given with the
    request, else the customer's profile address; None when neither is known."""
    # A missing one-to-one row raises an AttributeError, so getattr's default covers it.
    identity = getattr(request, "identity", None)
    if identity is not None and identity.postal_address:
        return PostalAddress(
            name=identity.requester_name or identity.subject_name,
            postal_code=identity.postal_code,
            address=identity.postal_address,
            from_request=True,
        )
    return profile_address(request.requester or request.subject)


def profile_address(customer) -> PostalAddress | None:
    """The address in ``customer``'s account settings, where a paper answer to a
    request they file from their account goes; None when they have given none."""
    # A missing profile row raises an AttributeError, so getattr's default covers it.
    profile = getattr(customer, "profile", None) if customer is not None else None
    if profile is not None and profile.address:
        return PostalAddress(
            name=profile.full_name,
            postal_code=profile.postal_code,
            address=profile.address,
            from_request=False,
        )
    return None


@dataclass(frozen=True)
class DeliveredCopy:
    """An earlier disclosure whose copy reached the person: by post, or downloaded."""

    request: RightsRequest
    delivered_on: dt.date


def _covers(earlier: list, later: list) -> bool:
    """An earlier scope (empty: everything) covers everything a later one asks."""
    return not earlier or (bool(later) and set(later) <= set(earlier))


def delivered_copy_before(request: RightsRequest) -> DeliveredCopy | None:
    """The latest copy of the same data delivered to the person before ``request``.

    GDPR art. 15(3): only a copy that follows one already delivered is a
    "further copy". The earlier request is a disclosure about the same
    person, received before this one, whose services and categories cover
    everything this one asks, and whose answer was posted or downloaded
    before this request was received. None: this is a first copy, free.
    """
    if request.subject_id is None:
        return None
    earlier = (
        RightsRequest.objects.filter(
            subject_id=request.subject_id,
            kind=Kind.DISCLOSURE,
            received_at__lt=request.received_at,
        )
        .exclude(pk=request.pk)
        .prefetch_related("services")
        .order_by("-received_at", "-pk")
    )
    services = [s.pk for s in request.services.all()]
    for candidate in earlier:
        if not _covers([s.pk for s in candidate.services.all()], services):
            continue
        if not _covers(candidate.categories, request.categories):
            continue
        delivered_on = _delivered_on(candidate, before=request.received_at)
        if delivered_on is not None:
            return DeliveredCopy(request=candidate, delivered_on=delivered_on)
    return None


def _delivered_on(request: RightsRequest, *, before: dt.datetime) -> dt.date | None:
    delivery = DisclosureDelivery.objects.filter(request=request).first()
    if (
        delivery is not None
        and delivery.state == DisclosureDelivery.State.POSTED
        and delivery.posted_on is not None
        and delivery.posted_on <= timezone.localdate(before)
    ):
        return delivery.posted_on
    package = DisclosurePackage.objects.filter(
        request=request, download_count__gt=0, last_downloaded_at__lt=before
    ).first()
    if package is not None:
        return timezone.localdate(package.last_downloaded_at)
    return None
