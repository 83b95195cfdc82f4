"""CCPA §1798.130(b) (and §1798.100(d)): a business need not answer a consumer's
requests to know more than twice in a 12-month period.

A request to know is a CCPA disclosure request. This module says which earlier
requests of the same person count against one, and so whether it may be refused on
``RejectionGround.REPEATED_KNOW``; the workflow checks it under the row lock, and the
working page shows staff the earlier requests.
"""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from .choices import Kind, Regime, RejectionGround, Status
from .models import RightsRequest

#: The period of §1798.130(b): twelve calendar months before the request's receipt.
PERIOD = relativedelta(months=12)
#: The requests to know a business must answer in that period.
ANSWERED_IN_PERIOD = 2


def earlier_know_requests(request: RightsRequest) -> list[RightsRequest]:
    """The person's earlier CCPA requests to know that count against ``request``.

    Empty unless ``request`` is itself a CCPA disclosure about a known person. Counted:
    the same data subject's CCPA disclosure requests received in the twelve calendar
    months before ``request`` was received (from that moment twelve months back,
    inclusive, up to it), open or closed, in the order received. Not counted, as the
    business never owed an answer to them: requests withdrawn, expired (the person
    never completed verification, information or payment), refused because the
    person's identity or authority could not be verified, or themselves refused on this
    ground (else a refused request would keep the limit reached for twelve months
    more).
    """
    if (
        request.regime != Regime.CCPA
        or request.kind != Kind.DISCLOSURE
        or request.subject_id is None
    ):
        return []
    uncounted = Q(status__in=(Status.WITHDRAWN, Status.EXPIRED)) | Q(
        status=Status.REJECTED,
        rejection_ground__in=(RejectionGround.IDENTITY, RejectionGround.REPEATED_KNOW),
    )
    return list(
        RightsRequest.objects.filter(
            subject_id=request.subject_id,
            regime=Regime.CCPA,
            kind=Kind.DISCLOSURE,
            received_at__gte=request.received_at - PERIOD,
            received_at__lt=request.received_at,
        )
        .exclude(pk=request.pk)
        .exclude(uncounted)
        .order_by("received_at", "pk")
    )


def over_know_limit(request: RightsRequest) -> bool:
    """``request`` is the person's third or later CCPA request to know in twelve
    months (:func:`earlier_know_requests`): §1798.130(b) lets it be refused."""
    return len(earlier_know_requests(request)) >= ANSWERED_IN_PERIOD
