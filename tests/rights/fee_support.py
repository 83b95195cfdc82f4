"""Helpers shared by the fee tests and the working page's: a published schedule, a
request in review (a correction of a phone number among them), a copy delivered on
paper."""

import datetime as dt
import html
import re

import time_machine

from rights import fees, workflow
from rights.choices import DeliveryMethod, FeeBasis, Kind, Regime, Status
from rights.disclosure.services import paper_mark_posted
from rights.models import FeeSchedule

SINCE = dt.date(2024, 4, 1)
PAYMENTS = "/admin/rights/payment/"


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


def fee_asked(file_request, subject, staff, *, amount=1000):
    """A disclosure in review whose published fee of ``amount`` is asked: the fee."""
    publish(amount=amount)
    request = in_review(file_request, subject, staff)
    return fees.fee_request(request=request, actor=staff)


def phone_correction_in_review(file_request, person, staff):
    """A correction of ``person``'s phone number, 03-1111-2222 to 090-3333-4444, in review."""
    profile = person.profile
    profile.phone = "03-1111-2222"
    profile.save()
    change = {
        "source": "portal.profile",
        "record": str(profile.pk),
        "field": "phone",
        "label": "Profile — phone",
        "current_value": "03-1111-2222",
        "new_value": "090-3333-4444",
    }
    return in_review(file_request, person, staff, kind=Kind.CORRECTION, scope={"changes": [change]})


def page_text(client, url, language):
    """The page at ``url`` in ``language`` (asserting it loads)."""
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def posted_disclosure(customer, officer, file_request, *, on, **kwargs):
    """A GDPR disclosure answered on paper, posted ``on``."""
    with time_machine.travel(dt.datetime.combine(on, dt.time(3), tzinfo=dt.UTC)):
        request = file_request(
            customer, regime=Regime.GDPR, delivery_method=DeliveryMethod.PAPER, **kwargs
        )
        workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
        workflow.transition(request, to=Status.IN_PROGRESS, actor=officer)
        paper_mark_posted(request=request, posted_on=on, actor=officer)
    return request


def confirming_post(client, page: str, url: str = PAYMENTS):
    """The POST a confirmation page's button sends (every hidden field, repeated ones
    too)."""
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page):
        fields.setdefault(name, []).append(html.unescape(value))
    fields.pop("csrfmiddlewaretoken", None)
    assert fields["confirm"] == ["1"]
    return client.post(url, fields)
