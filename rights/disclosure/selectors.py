"""Reads for disclosure delivery: the customer's package by token, what a request page shows."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils import timezone

from rights.models import RightsRequest

from .models import DELIVERED_KINDS, DisclosureDelivery, DisclosurePackage
from .services import download_path, token_hash

# 32 bytes of HMAC in url-safe base64 without padding.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")


def package_for_download(*, user, token: str) -> DisclosurePackage | None:
    """The package behind ``token`` if ``user`` may see its request, else None (a 404)."""
    if not TOKEN_RE.fullmatch(token or ""):
        return None
    return (
        DisclosurePackage.objects.select_related("request")
        .filter(
            token_hash=token_hash(token),
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
