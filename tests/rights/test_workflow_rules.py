"""The workflow's rules, proved through the admin's own endpoints.

Every rule lives in ``rights.transition_rules.RULES``; the admin only calls
``transition()``. Each test POSTs straight to an endpoint (no button needed)
and checks that a refused move writes nothing (status, timeline, audit trail,
outbox, notices, pauses, fees) and tells staff why; and that the buttons on the
change page are exactly ``allowed_transitions``.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import ERROR, get_messages
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from portal.kernel.models import AuditEvent, OutboxMessage
from rights import transition_rules, workflow
from rights.choices import Channel, DeliveryMethod, Kind, PaymentStatus, Regime, Status
from rights.disclosure.models import DisclosurePackage
from rights.models import (
    DeferredErasure,
    Payment,
    RequestEvent,
    RequestNotification,
    RequestPause,
    RightsRequest,
)
from rights.requesters.models import Capacity, VerificationStatus
from rights.retention.deletion import deletion_execute
from rights.retention.planning import deletion_plan
from tests.rights.disclosure_support import customer_with_data, disclosure_in_progress
from tests.rights.fee_support import in_review, publish
from tests.rights.retention_support import approve, file_deletion
from tests.rights.staff_entry_support import entered_from_a_letter

pytestmark = pytest.mark.django_db

BASE = "/admin/rights/rightsrequest/{}/"


@pytest.fixture(autouse=True)
def _english(client):
    """The admin answers in English, the language the messages are compared in."""
    client.cookies["django_language"] = "en"


def snapshot(request: RightsRequest) -> dict:
    """Everything a transition writes, counted."""
    request.refresh_from_db()
    return {
        "status": request.status,
        "closed_at": request.closed_at,
        "due_at": request.due_at,
        "events": RequestEvent.objects.filter(request=request).count(),
        "audit": AuditEvent.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "notices": RequestNotification.objects.filter(request=request).count(),
        "pauses": list(RequestPause.objects.filter(request=request).values_list("ended_at")),
        "payments": list(Payment.objects.filter(request=request).values_list("status")),
        "steps": DeferredErasure.objects.filter(request=request).count(),
    }


def post(client, request, endpoint: str, data: dict) -> list:
    """POST to the request's endpoint without following the redirect (the change
    page audits its own view); return the messages it left."""
    client.cookies.pop("messages", None)  # those of an earlier POST, never shown
    response = client.post(BASE.format(request.pk) + endpoint, data)
    assert response.status_code == 302, response.status_code
    return list(get_messages(response.wsgi_request))


def assert_refused(client, request, to: str, expected: str, **data) -> None:
    """POST the move; it is refused with ``expected`` and writes nothing."""
    before = snapshot(request)
    shown = post(client, request, "transition/", {"to": to, "reason": "r", **data})
    assert [(m.level, str(m)) for m in shown] == [(ERROR, expected)], shown
    assert snapshot(request) == before, to


# What staff are told (rights.transition_rules.RULES).
BY_HAND = (
    "A deletion is completed by its erasure, which runs once the request is in progress; "
    "it cannot be completed by hand."
)
BY_DELIVERY = (
    "A disclosure is completed by its delivery: when the package is ready to download, or "
    "when the paper answer is recorded as posted."
)
DECIDE = "Decide this request with its review form, which applies what is approved."
NEEDS_FEE = "“Awaiting payment” needs a fee awaiting payment: ask the fee in the fee section."
UNPAID = "The fee is not paid yet: record the payment or waive the fee first."
AUTOMATIC_FEE = (
    "The published fee applies to this request: ask it in the fee section; the request goes "
    "on once it is paid or waived."
)
NAMES_NOTHING = (
    "This deletion names no service, no kind of data and not everything: ask the person "
    "what it covers before carrying it out."
)
IDENTITY = "Identity is not verified yet: decide it in the identity section first."


# -- deletion (APPI 35(5)-(6); GDPR 17) ---------------------------------------------------


def test_staff_cannot_complete_a_deletion_by_hand(officer_client, officer):
    """Seen: a deletion closed as completed with nothing erased. The erasure's task then
    found a closed request and returned early; the customer was told it was done."""
    subject = customer_with_data()
    request = approve(file_deletion(subject, scope={"everything": True}), officer)
    assert request.status == Status.IN_PROGRESS
    assert_refused(officer_client, request, Status.COMPLETED, BY_HAND)
    assert_refused(officer_client, request, Status.PARTIALLY_COMPLETED, BY_HAND)
    assert subject.profile.__class__.objects.filter(user=subject).count() == 1
    # Not offered as a button either, and the page says why.
    page = officer_client.get(BASE.format(request.pk) + "change/")
    assert [s for s, _label in page.context["allowed"]] == [
        Status.REJECTED,
        Status.AWAITING_CUSTOMER,
    ]
    assert page.context["held_back"] == [("Completed, Partially completed", BY_HAND)]
    # The legitimate path: the executor erases, then completes as the system.
    deletion_execute(request=request)
    request.refresh_from_db()
    assert request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)
    assert request.erasure_planned_at is not None
    assert not DeferredErasure.objects.filter(
        request=request,
        status=DeferredErasure.Status.PENDING,
        reason=DeferredErasure.Reason.REQUEST,
    ).exists()


def test_a_deletion_in_review_cannot_be_completed_either(officer_client, officer):
    request = file_deletion(customer_with_data(), scope={"everything": True})
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    assert_refused(officer_client, request, Status.COMPLETED, BY_HAND)


def test_even_the_system_completes_a_deletion_only_after_its_erasure_ran(officer):
    request = approve(file_deletion(customer_with_data(), scope={"everything": True}), officer)
    before = snapshot(request)
    with pytest.raises(workflow.TransitionError, match="erasure has not run"):
        workflow.transition(request, to=Status.COMPLETED, actor=None)
    assert snapshot(request) == before


def test_a_deletion_planned_before_the_marker_existed_gets_it_from_its_steps(officer):
    """Rows planned by an older release carry no ``erasure_planned_at``: the migration
    takes it from the first step, so such a deletion can still complete."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "rights.migrations.0017_erasure_planned_at_for_planned_deletions"
    )
    planned = approve(file_deletion(customer_with_data(), scope={"everything": True}), officer)
    with transaction.atomic():
        deletion_plan(RightsRequest.objects.select_for_update().get(pk=planned.pk))
    unplanned = approve(file_deletion(customer_with_data(), scope={"everything": True}), officer)
    RightsRequest.objects.filter(pk__in=[planned.pk, unplanned.pk]).update(erasure_planned_at=None)
    first_step = planned.deferred_erasures.order_by("created_at").first().created_at

    migration.forwards(apps, None)

    planned.refresh_from_db()
    unplanned.refresh_from_db()
    assert (planned.erasure_planned_at, unplanned.erasure_planned_at) == (first_step, None)


def test_a_deletion_that_names_nothing_is_not_carried_out(officer_client, officer):
    """A deletion filed before the forms required a scope may name nothing; the
    workflow refuses to carry it out (it would read as every service) and staff are
    told to ask the person (APPI 35; GDPR 17)."""
    request = file_deletion(customer_with_data())
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    assert_refused(officer_client, request, Status.IN_PROGRESS, NAMES_NOTHING)
    page = officer_client.get(BASE.format(request.pk) + "change/")
    assert Status.IN_PROGRESS not in [s for s, _label in page.context["allowed"]]
    assert Status.AWAITING_CUSTOMER in [s for s, _label in page.context["allowed"]]


# -- disclosure and notice of purposes (APPI 32(2), 33(1)-(2); GDPR 15) ---------------------


@pytest.mark.parametrize("kind", [Kind.DISCLOSURE, Kind.PURPOSE_NOTICE])
def test_staff_cannot_complete_a_disclosure_without_its_delivery(officer_client, officer, kind):
    """Seen: a disclosure completed with no package; the person was told of an answer
    they could not get."""
    request = disclosure_in_progress(customer_with_data(), officer, kind=kind)
    assert DisclosurePackage.objects.filter(request=request).count() == 0
    assert_refused(officer_client, request, Status.COMPLETED, BY_DELIVERY)
    assert_refused(officer_client, request, Status.PARTIALLY_COMPLETED, BY_DELIVERY)


def test_a_disclosure_in_review_cannot_be_completed_by_hand(
    officer_client, officer, customer, file_request
):
    request = in_review(file_request, customer, officer)
    assert_refused(officer_client, request, Status.COMPLETED, BY_DELIVERY)


def test_a_paper_disclosure_is_completed_by_recording_the_posting(
    officer_client, officer, django_capture_on_commit_callbacks
):
    request = disclosure_in_progress(
        customer_with_data(), officer, delivery_method=DeliveryMethod.PAPER
    )
    assert_refused(officer_client, request, Status.COMPLETED, BY_DELIVERY)
    # An electronic-only endpoint refuses too, and writes nothing.
    before = snapshot(request)
    shown = post(officer_client, request, "disclosure/retry/", {})
    assert [m.level for m in shown] == [ERROR]
    assert snapshot(request) == before
    # The legitimate path.
    with django_capture_on_commit_callbacks(execute=True):
        shown = post(
            officer_client,
            request,
            "disclosure/posted/",
            {"posted_on": timezone.localdate().isoformat(), "confirm": "1"},
        )
    assert [m.level for m in shown] != [ERROR]
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert transition_rules.delivered(request)


def test_an_electronic_disclosure_completes_when_its_package_is_stored(
    officer, private_storage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = disclosure_in_progress(customer_with_data(), officer)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert request.events.filter(to_status=Status.COMPLETED, actor=None).count() == 1
    assert DisclosurePackage.objects.filter(request=request).count() == 1


# -- fees (APPI 38; GDPR 12(5)) --------------------------------------------------------------


def test_awaiting_payment_needs_a_fee_awaiting_payment(
    officer_client, officer, customer, file_request
):
    """Seen: a request put in "awaiting payment" with no Payment: nothing ever expired
    it and its clock stayed paused."""
    publish(amount=1000)
    request = in_review(file_request, customer, officer)
    assert_refused(officer_client, request, Status.AWAITING_PAYMENT, NEEDS_FEE)
    assert RequestPause.objects.filter(request=request).count() == 0
    # The fee form asks the fee and waits for payment: the legitimate path.
    shown = post(officer_client, request, "fee/", {"amount": "1000", "reason": ""})
    assert ERROR not in [m.level for m in shown]
    request.refresh_from_db()
    assert request.status == Status.AWAITING_PAYMENT
    payment = Payment.objects.get(request=request)
    assert payment.status == PaymentStatus.PENDING
    # Unpaid, it cannot go on by a status button.
    assert_refused(officer_client, request, Status.IN_PROGRESS, UNPAID)
    page = officer_client.get(BASE.format(request.pk) + "change/")
    assert Status.IN_PROGRESS not in [s for s, _label in page.context["allowed"]]
    # Paid, it goes on by itself.
    shown = post(
        officer_client,
        request,
        f"fee/{payment.pk}/paid/",
        {"method": "bank_transfer", "paid_on": timezone.localdate().isoformat(), "confirm": "1"},
    )
    assert ERROR not in [m.level for m in shown]
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


@override_settings(RIGHTS_FEE_AUTOMATIC=True)
def test_with_automatic_fees_a_reviewed_request_goes_on_only_through_its_fee(
    officer_client, officer, customer, file_request
):
    publish(amount=1000)
    request = in_review(file_request, customer, officer)
    assert_refused(officer_client, request, Status.IN_PROGRESS, AUTOMATIC_FEE)
    post(officer_client, request, "fee/", {"amount": "1000", "reason": ""})
    payment = Payment.objects.get(request=request)
    post(
        officer_client,
        request,
        f"fee/{payment.pk}/waive/",
        {"reason": "Long-time customer", "confirm": "1"},
    )
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


# -- identity (APPI 37; GDPR 12(6); CCPA §7060-7062) -------------------------------------------


def test_review_waits_for_identity_verification(officer_client, officer, customer):
    request = entered_from_a_letter(customer, officer)
    assert request.status == Status.AWAITING_VERIFICATION
    assert_refused(officer_client, request, Status.IN_REVIEW, IDENTITY)
    page = officer_client.get(BASE.format(request.pk) + "change/")
    assert Status.IN_REVIEW not in [s for s, _label in page.context["allowed"]]
    # The identity decision is the way on.
    shown = post(officer_client, request, "identity/verify/", {"note": "Licence checked"})
    assert ERROR not in [m.level for m in shown]
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    assert request.identity.verification == VerificationStatus.VERIFIED


def test_an_agents_request_entered_by_staff_is_the_agents_not_the_customers(
    officer, customer, django_capture_on_commit_callbacks
):
    """APPI art. 37(3), CCPA §7063: a request staff enter for an agent acting for a
    known customer has the agent as requester: the customer is its subject, and
    the notices go to the agent."""
    from django.core import mail

    from rights.requesters.filing import Requester

    agent = Requester(
        capacity=Capacity.AGENT, email="agent@example.com", language="en", name="A. Agent"
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = entered_from_a_letter(
            customer, officer, requester=agent, needs_verification=False
        )

    assert request.subject == customer and request.requester is None
    assert request.identity.capacity == Capacity.AGENT
    assert request.identity.requester_email == "agent@example.com"
    notified = [m.to for m in mail.outbox]
    assert ["agent@example.com"] in notified
    assert [customer.email] not in notified


def test_a_request_found_not_verified_cannot_be_reviewed(officer, customer):
    from rights.requesters.verification import identity_reject

    request = entered_from_a_letter(
        customer,
        officer,
        kind=Kind.CORRECTION,
        channel=Channel.PHONE,
        delivery_method="",
        scope={"stated_changes": [{"wrong": "Phone: 03-1111-2222", "correct": "03-3333-4444"}]},
    )
    identity_reject(request=request, actor=officer, note="The documents do not match.")
    assert request.status == Status.REJECTED


# -- correction and stop (APPI 34, 35) ------------------------------------------------------


@pytest.mark.parametrize("kind", [Kind.CORRECTION, Kind.STOP_USE, Kind.STOP_PROVISION])
@pytest.mark.parametrize("to", [Status.COMPLETED, Status.PARTIALLY_COMPLETED, Status.REJECTED])
def test_a_decided_kind_ends_only_on_its_review_form(officer_client, officer, customer, kind, to):
    from rights.services import request_submit

    request = request_submit(subject=customer, requester=customer, kind=kind)
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    assert_refused(officer_client, request, to, DECIDE, ground="other")


# -- the buttons are the rules ----------------------------------------------------------------

STAFF_CLOSED = (Status.COMPLETED, Status.PARTIALLY_COMPLETED)


def _request_in(status: str, kind: str, customer, officer) -> RightsRequest | None:
    """A request of ``kind`` brought to ``status`` the legitimate way (None: unreachable)."""
    from rights import fees
    from rights.services import request_submit

    request = request_submit(
        subject=customer,
        requester=customer,
        kind=kind,
        delivery_method=DeliveryMethod.ELECTRONIC
        if kind in (Kind.DISCLOSURE, Kind.PURPOSE_NOTICE)
        else "",
        scope={"everything": True},
    )
    steps = {
        Status.SUBMITTED: [],
        Status.AWAITING_VERIFICATION: [Status.AWAITING_VERIFICATION],
        Status.IN_REVIEW: [Status.IN_REVIEW],
        Status.AWAITING_CUSTOMER: [Status.IN_REVIEW, Status.AWAITING_CUSTOMER],
        Status.IN_PROGRESS: [Status.IN_REVIEW, Status.IN_PROGRESS],
        Status.WITHDRAWN: [Status.WITHDRAWN],
        Status.AWAITING_PAYMENT: [Status.IN_REVIEW],
    }[status]
    for step in steps:
        workflow.transition(request, to=step, actor=officer, reason="Which service?")
    if status == Status.AWAITING_PAYMENT:
        if request.kind not in (Kind.DISCLOSURE, Kind.PURPOSE_NOTICE):
            return None  # a kind that may not be charged
        publish(request.kind, amount=500)  # APPI art. 38: only a published fee is charged
        fees.fee_request(request=request, actor=officer)
    request.refresh_from_db()
    assert request.status == status
    return request


MATRIX_STATUSES = [
    Status.SUBMITTED,
    Status.AWAITING_VERIFICATION,
    Status.IN_REVIEW,
    Status.AWAITING_CUSTOMER,
    Status.AWAITING_PAYMENT,
    Status.IN_PROGRESS,
    Status.WITHDRAWN,
]


@pytest.mark.parametrize("kind", Kind.values)
def test_the_buttons_shown_are_exactly_the_allowed_transitions(
    officer_client, officer, customer, kind
):
    """For every kind and status: the change page's buttons equal allowed_transitions,
    every other status POSTed straight to the endpoint is refused with a message and
    writes nothing, and no kind has a bare "completed" button (each is completed by
    its own engine: erasure, delivery or decision)."""
    seen = 0
    for status in MATRIX_STATUSES:
        request = _request_in(status, kind, customer, officer)
        if request is None:
            assert kind not in (Kind.DISCLOSURE, Kind.PURPOSE_NOTICE)
            continue
        seen += 1
        page = officer_client.get(BASE.format(request.pk) + "change/")
        assert page.status_code == 200
        shown = [s for s, _label in page.context["allowed"]]
        allowed = workflow.allowed_transitions(request, officer)
        assert shown == allowed, (kind, status)
        html = page.content.decode()
        assert re.findall(r'name="to" value="([a-z_]+)"', html) == allowed, (kind, status)
        assert not set(allowed) & set(STAFF_CLOSED), (kind, status)
        table = {
            to
            for to, roles in workflow.TRANSITIONS.get(status, {}).items()
            if workflow.Role.STAFF in roles
        }
        held_back = [
            label for labels, _why in page.context["held_back"] for label in labels.split(", ")
        ]
        assert sorted(held_back) == sorted(Status(to).label for to in table - set(allowed))
        assert len(held_back) == len(set(held_back)), (kind, status)
        for to in Status.values:
            if to in allowed or to == status:
                continue
            before = snapshot(request)
            messages = post(
                officer_client, request, "transition/", {"to": to, "reason": "r", "ground": "other"}
            )
            assert [m.level for m in messages] == [ERROR], (kind, status, to)
            assert snapshot(request) == before, (kind, status, to)
    assert seen == (7 if kind in (Kind.DISCLOSURE, Kind.PURPOSE_NOTICE) else 6)


def test_a_pending_identity_holds_back_the_review_button(officer_client, officer, customer):
    request = entered_from_a_letter(
        customer,
        officer,
        kind=Kind.DELETION,
        channel=Channel.IN_PERSON,
        regime=Regime.GDPR,
        delivery_method="",
    )
    page = officer_client.get(BASE.format(request.pk) + "change/")
    allowed = workflow.allowed_transitions(request, officer)
    assert [s for s, _label in page.context["allowed"]] == allowed
    assert allowed == [Status.REJECTED, Status.WITHDRAWN, Status.EXPIRED]


def test_staff_withdrawing_for_the_person_say_why(officer, customer, file_request):
    """The person is told why their request was closed; a customer withdrawing their
    own request needs no reason."""
    request = file_request(customer)
    with pytest.raises(workflow.TransitionError, match="reason"):
        workflow.transition(request, to=Status.WITHDRAWN, actor=officer, reason="  ")
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
    workflow.transition(
        request, to=Status.WITHDRAWN, actor=officer, reason="The person asked by phone."
    )
    assert request.status == Status.WITHDRAWN
    own = file_request(customer)
    workflow.transition(own, to=Status.WITHDRAWN, actor=customer)
    assert own.status == Status.WITHDRAWN
