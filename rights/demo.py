"""Demo data for ``seed_demo``: a published fee schedule, as a company might set it, and a
handful of requests in the staff queue, each in a typical state.

The requests are filed through the portal's forms and :func:`rights.services.request_file`
and moved by :func:`rights.workflow.transition` and the fee and erasure services, as a
customer and staff would: each has its events and audit trail. A customer who already
has a request of the kind gets no demo one, so running the command again adds nothing.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from portal.kernel.models import User

from . import services, workflow
from .choices import DeliveryMethod, FeeBasis, Kind, Regime, Status
from .correctable import correctable_fields
from .fees import fee_request
from .forms import FORMS
from .models import FeeSchedule, RightsRequest
from .retention.deletion import deletion_execute

DEMO_FEES = [
    # kind, regime, basis, delivery method, amount, note in Japanese and in English
    (Kind.DISCLOSURE, Regime.APPI, FeeBasis.PUBLISHED, DeliveryMethod.ELECTRONIC, 1000, "", ""),
    (
        Kind.DISCLOSURE,
        Regime.APPI,
        FeeBasis.PUBLISHED,
        DeliveryMethod.PAPER,
        1500,
        "郵送料込み",
        "Postage included",
    ),
    (Kind.PURPOSE_NOTICE, Regime.APPI, FeeBasis.PUBLISHED, "", 500, "", ""),
    (Kind.DISCLOSURE, Regime.GDPR, FeeBasis.FURTHER_COPY, "", 1000, "", ""),
]


def seed_fee_demo() -> int:
    """Publish the demo fees once (idempotent); returns how many rows were added."""
    added = 0
    for kind, regime, basis, delivery, amount, note, note_en in DEMO_FEES:
        _row, created = FeeSchedule.objects.get_or_create(
            kind=kind,
            regime=regime,
            basis=basis,
            delivery_method=delivery,
            defaults={
                "amount": amount,
                "effective_from": dt.date(2024, 4, 1),
                "note": note,
                "note_en": note_en,
            },
        )
        added += created
    return added


@dataclass(frozen=True)
class DemoRequest:
    email: str
    kind: str
    days_ago: int  # received this many days before the seed
    state: str  # "new", "fee", "review" or "erased"
    data: dict = field(default_factory=dict)  # what the customer typed in the form


DEMO_REQUESTS = [
    DemoRequest(
        "sato.kenichi@example.com",
        Kind.DISCLOSURE,
        0,
        "new",
        {"delivery_method": DeliveryMethod.ELECTRONIC, "details": "携帯電話の利用履歴を確認したい"},
    ),
    DemoRequest(
        "suzuki.misaki@example.com",
        Kind.DISCLOSURE,
        3,
        "fee",
        {"delivery_method": DeliveryMethod.PAPER, "details": "登録内容を書面で受け取りたい"},
    ),
    DemoRequest(
        "emily.carter@example.com",
        Kind.CORRECTION,
        5,
        "review",
        {
            "target": "address",
            "new_value": "7-7-1 Roppongi, Minato-ku, Tokyo",
            "details": "I moved in March; the address on file is my old one.",
        },
    ),
    # Received a month ago and still in review: past its deadline (APPI: 14 days).
    DemoRequest(
        "michael.brown@example.com",
        Kind.STOP_USE,
        30,
        "review",
        {"purposes": ["marketing"], "details": "Please stop sending me offers."},
    ),
    DemoRequest(
        "tanaka.yumi@example.com",
        Kind.DELETION,
        10,
        "erased",
        {"categories": ["professional"], "details": "職業と業種の登録を削除してください"},
    ),
]


def seed_request_demo(*, officer: User) -> list[RightsRequest]:
    """File the demo requests not filed yet and move them to their state; returns those
    filed now. Customers not seeded (or a kind they already asked) are skipped."""
    filed = []
    now = timezone.now()
    for spec in DEMO_REQUESTS:
        customer = User.objects.filter(email=spec.email).first()
        if (
            customer is None
            or RightsRequest.objects.filter(subject=customer, kind=spec.kind).exists()
        ):
            continue
        form = FORMS[spec.kind](data=_form_data(spec, customer), subject=customer)
        if not form.is_valid():
            raise ValueError(f"demo request for {spec.email}: {form.errors.as_text()}")
        request = services.request_file(
            subject=customer,
            requester=customer,
            kind=spec.kind,
            services=form.services(),
            categories=form.categories(),
            scope=form.scope(),
            details=form.cleaned_data.get("details", ""),
            delivery_method=form.cleaned_data.get("delivery_method", ""),
            received_at=now - dt.timedelta(days=spec.days_ago),
            # Customers in Japan, one charged the published fee (APPI art. 38): APPI
            # requests whatever regime the portal files its own requests under.
            regime=Regime.APPI,
            actor=customer,
        )
        _move(request, spec.state, officer=officer)
        filed.append(request)
    return filed


def _form_data(spec: DemoRequest, customer: User) -> dict:
    data = dict(spec.data)
    if "target" in data:
        # The customer's own record of the named field, as the form lists it.
        data["target"] = next(
            target
            for target, _label, _value in correctable_fields(customer)
            if target.endswith(f"|{data['target']}")
        )
    return data


def _move(request: RightsRequest, state: str, *, officer: User) -> None:
    """Staff's work on the request so far: none, a fee asked, review, or the erasure."""
    if state == "new":
        return
    services.request_assign(requests=[request], assignee=officer, actor=officer)
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    if state == "fee":
        fee_request(request=request, actor=officer)
    elif state == "erased":
        workflow.transition(request, to=Status.IN_PROGRESS, actor=officer)
        # What the task queued on entering "in progress" does; run here so the demo
        # shows the outcome without a worker (a second run leaves it alone).
        deletion_execute(request=request)
