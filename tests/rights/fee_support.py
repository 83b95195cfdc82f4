"""Helpers shared by the fee tests: a published schedule and a request in review."""

import datetime as dt

from rights import workflow
from rights.choices import DeliveryMethod, FeeBasis, Kind, Regime, Status
from rights.models import FeeSchedule

SINCE = dt.date(2024, 4, 1)


def publish(kind=Kind.DISCLOSURE, *, regime=Regime.APPI, basis=FeeBasis.PUBLISHED, **kwargs):
    defaults = {"delivery_method": "", "amount": 1000, "effective_from": SINCE}
    return FeeSchedule.objects.create(
        kind=kind, regime=regime, basis=basis, **{**defaults, **kwargs}
    )


def in_review(file_request, subject, staff, kind=Kind.DISCLOSURE, **kwargs):
    kwargs.setdefault(
        "delivery_method", DeliveryMethod.ELECTRONIC if kind == Kind.DISCLOSURE else ""
    )
    request = file_request(subject, kind=kind, **kwargs)
    workflow.transition(request, to=Status.IN_REVIEW, actor=staff)
    return request


def page_text(client, url, language):
    """The page at ``url`` in ``language`` (asserting it loads)."""
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()
