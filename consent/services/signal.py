"""The opt-out preference signal (Global Privacy Control: the ``Sec-GPC: 1``
header), read as a request to opt out of sale and sharing (CCPA regs §7025).

The signal is honoured for a logged-in customer (not staff) when the portal's
customers are under the CCPA (``RIGHTS_DEFAULT_REGIME == "ccpa"``: the portal
keeps no regime per customer, only per rights request). Under the APPI and the
GDPR provision to third parties rests on consent given or withdrawn on the
consent page, and the header changes nothing.

What is sale or sharing: an optional purpose of an active recipient that
receives data only with consent (an affiliate or a third party,
:data:`consent.models.CONSENT_KINDS`). Subcontractors and joint users receive
data within our own purposes, and required purposes are stopped by a
stop-provision request, not by a consent.

A consent the customer gives after the signal overrides it for that purpose
(§7025(c)(3)): a grant is kept when the signal already withdrew that purpose
once, or when the grant itself came with the signal
(``ConsentRecord.with_opt_out_signal``).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from .. import selectors
from ..models import CONSENT_KINDS, ConsentRecord, Purpose
from .consents import consent_update
from .evidence import Action, Method

CCPA = "ccpa"


def signal_sent(request) -> bool:
    """Whether the request carries the opt-out preference signal."""
    return request.META.get("HTTP_SEC_GPC", "").strip() == "1"


def signal_applies(request) -> bool:
    """Whether the signal on ``request`` is honoured: sent, under the CCPA, by a
    logged-in customer. The header is read first, so a request without it costs
    nothing (not even loading the user)."""
    if not signal_sent(request) or settings.RIGHTS_DEFAULT_REGIME != CCPA:
        return False
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated and not user.is_staff


def sale_sharing_purposes() -> QuerySet[Purpose]:
    """The optional purposes for which data goes to a recipient that needs consent."""
    return (
        selectors.optional_purposes()
        .filter(recipients__is_active=True, recipients__kind__in=CONSENT_KINDS)
        .distinct()
    )


def _granted(purpose: Purpose, latest: ConsentRecord | None) -> bool:
    return latest.action == Action.GRANTED if latest else purpose.is_opt_out


def opt_out_signal_apply(*, subject, request) -> list[ConsentRecord]:
    """Withdraw ``subject``'s sale and sharing purposes for the signal on ``request``;
    return the new records (none when already done, or overridden by a later consent).

    Two queries when nothing is to change (three while a consent overrides the
    signal); the withdrawal is one :func:`consent_update`, audited once.
    """
    purposes = list(sale_sharing_purposes())
    if not purposes:
        return []
    current = selectors.current_choices(subject)
    granted = [p for p in purposes if _granted(p, current.get(p.pk))]
    granted = [p for p in granted if not (current.get(p.pk) and current[p.pk].with_opt_out_signal)]
    if not granted:
        return []
    signalled = set(
        ConsentRecord.objects.filter(
            subject=subject, method=Method.OPT_OUT_SIGNAL, purpose__in=granted
        ).values_list("purpose_id", flat=True)
    )
    withdraw = {p: False for p in granted if p.pk not in signalled}
    if not withdraw:
        return []
    return consent_update(
        subject=subject, choices=withdraw, method=Method.OPT_OUT_SIGNAL, request=request
    )
