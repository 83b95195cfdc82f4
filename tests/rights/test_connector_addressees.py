"""Who is asked to act outside the portal: only the systems and recipients that hold
the data a request concerns (APPI art. 35; GDPR art. 19: recipients are told of a
stop or an erasure where the data was provided to them). A subcontractor unrelated
to a stop of provision must not learn that the customer asked it."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import translation

from consent.models import ProvisionRecord, Recipient
from rights import stop_decisions
from rights.choices import Kind, Status
from rights.confirmations import stop_confirmation
from rights.connectors.models import ExternalSystem, Operation, SystemTask
from rights.connectors.planning import asked_outside
from rights.connectors.summary import customer_summary
from rights.services import request_submit
from rights.workflow import transition
from tests.consent_support import purpose

from .connector_support import (  # noqa: F401
    customer_at_double,
    double_fixture,
    recipient_with_email_system,
)
from .retention_support import approve, file_deletion

pytestmark = pytest.mark.django_db

YAMATO = "privacy-yamato@partner.example"


@pytest.fixture
def customer(double):
    """Data held by the mailing service (ours), provided to Yamato (e-mail system) and
    to PaymentGate (no system: staff tell it)."""
    customer = customer_at_double(double)
    recipient_with_email_system(customer, "Yamato Delivery", "privacy-yamato")
    gate = Recipient.objects.create(
        name_ja="株式会社ペイメントゲート", name_en="PaymentGate Inc.", kind="subcontractor"
    )
    ProvisionRecord.objects.create(
        provided_on=dt.date(2026, 5, 1),
        recipient=gate,
        subject=customer,
        data_items="name, billed amount",
        ground=ProvisionRecord.Ground.OUTSOURCING,
    )
    return customer


def _gate():
    return Recipient.objects.get(name_en="PaymentGate Inc.")


def _stop(customer, officer, capture, *, kind, scope, decisions):
    request = request_submit(subject=customer, requester=customer, kind=kind, scope=scope)
    transition(request, to=Status.IN_REVIEW, actor=officer)
    mail.outbox.clear()
    with capture(execute=True):
        stop_decisions.stop_decide(request=request, decisions=decisions, actor=officer)
    return request


def _asked(request, operation):
    return sorted(
        task.system.name if task.system else str(task.recipient)
        for task in SystemTask.objects.filter(request=request, operation=operation)
    )


def _mailed_to(address):
    return [m for m in mail.outbox if address in m.to]


def test_a_stop_of_provision_to_one_recipient_asks_only_it_and_our_systems(
    customer, officer, django_capture_on_commit_callbacks
):
    """APPI art. 35(5)/(6), GDPR art. 19: the stop of provision to PaymentGate goes to
    PaymentGate (a staff task) and to our own mailing service, which stops passing the
    data on; Yamato, whose provision goes on, is not told of the request."""
    gate = _gate()
    request = _stop(
        customer,
        officer,
        django_capture_on_commit_callbacks,
        kind=Kind.STOP_PROVISION,
        scope={"recipients": [gate.pk]},
        decisions={f"recipient:{gate.pk}": "stop"},
    )
    assert _asked(request, "restrict") == ["Mailing service", "PaymentGate Inc."]
    assert _mailed_to(YAMATO) == []
    assert not any("ペイメントゲート" in m.body for m in mail.outbox if m.to != [customer.email])


def test_the_decision_page_names_only_those_asked_for_a_stop_of_provision(customer, officer):
    """The confirmation before the decision names the same systems as the tasks."""
    gate = _gate()
    request = request_submit(
        subject=customer,
        requester=customer,
        kind=Kind.STOP_PROVISION,
        scope={"recipients": [gate.pk]},
    )
    transition(request, to=Status.IN_REVIEW, actor=officer)
    confirmation = stop_confirmation(
        request,
        decisions={f"recipient:{gate.pk}": "stop"},
        measure="",
        reason="",
        ground="",
    )
    (asked,) = [line.text for line in confirmation.lines if "outside this database" in line.text]
    assert "Mailing service" in asked and "PaymentGate Inc." in asked
    assert "Yamato" not in asked
    # "Inc." ends the list: the sentence does not add a second period.
    assert "PaymentGate Inc.. " not in asked


def test_a_system_of_a_recipient_the_data_never_went_to_is_not_asked(
    customer, officer, django_capture_on_commit_callbacks
):
    """GDPR art. 19: a partner's system is told of a stop of use only when the
    customer's data was provided to the partner."""
    stranger = Recipient.objects.create(
        name_ja="無関係商事", name_en="Unrelated Trading", kind="third_party"
    )
    ExternalSystem.objects.create(
        name="Unrelated Trading (e-mail)",
        mode=ExternalSystem.Mode.EMAIL,
        recipient=stranger,
        privacy_contact="privacy@unrelated.example",
        categories=["contact"],
        operations=["correct", "erase", "restrict"],
    )
    request = _stop(
        customer,
        officer,
        django_capture_on_commit_callbacks,
        kind=Kind.STOP_USE,
        scope={"everything": True},
        decisions={"all": "stop"},
    )
    assert _asked(request, "restrict") == [
        "Mailing service",
        "PaymentGate Inc.",
        "Yamato Delivery",
    ]
    assert _mailed_to("privacy@unrelated.example") == []


def test_an_erasure_of_some_kinds_skips_a_partner_system_holding_none_of_them(
    customer, officer, django_capture_on_commit_callbacks
):
    """GDPR art. 17(2), 19: Yamato's system holds identity and contact details only;
    the erasure of usage data is not sent to it."""
    request = file_deletion(customer, categories=["usage"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approve(request, officer)
    assert "Yamato Delivery" not in _asked(request, "erase")
    assert "Mailing service" in _asked(request, "erase")
    assert _mailed_to(YAMATO) == []


def test_a_stop_of_marketing_use_skips_a_partner_that_receives_data_for_delivery_only(
    customer, officer, django_capture_on_commit_callbacks
):
    """APPI art. 35, GDPR art. 19: Yamato receives the data for deliveries only; the stop
    of its use for marketing does not concern it, and it is not told of the request.
    PaymentGate lists no purposes: it may use the data for any, and is told."""
    Recipient.objects.get(name_en="Yamato Delivery").purposes.add(purpose("orders_delivery"))
    request = _stop(
        customer,
        officer,
        django_capture_on_commit_callbacks,
        kind=Kind.STOP_USE,
        scope={"purposes": ["marketing"]},
        decisions={"purpose:marketing": "stop"},
    )
    assert _asked(request, "restrict") == ["Mailing service", "PaymentGate Inc."]
    assert _mailed_to(YAMATO) == []


@pytest.mark.parametrize(
    "language, said",
    [
        ("en", "The provision of your data to third parties was stopped in 2 of our systems."),
        ("ja", "お客様のデータの第三者への提供を当社の2件のシステムで停止しました。"),
    ],
)
def test_the_customer_is_told_the_provision_stopped_not_the_use(
    customer, officer, django_capture_on_commit_callbacks, language, said
):
    """APPI art. 35(5)/(6): a stop of provision is told as what it is; the use of the
    data inside the company goes on."""
    gate = _gate()
    request = _stop(
        customer,
        officer,
        django_capture_on_commit_callbacks,
        kind=Kind.STOP_PROVISION,
        scope={"recipients": [gate.pk]},
        decisions={f"recipient:{gate.pk}": "stop"},
    )
    with translation.override(language):
        lines = customer_summary(request).lines
    assert lines[0] == said


def _provided(customer, name_en, categories, *, items="name, e-mail address"):
    """A recipient without a system of its own, given ``categories`` of the customer."""
    recipient = Recipient.objects.create(name_ja=name_en, name_en=name_en, kind="third_party")
    ProvisionRecord.objects.create(
        provided_on=dt.date(2026, 6, 1),
        recipient=recipient,
        subject=customer,
        data_items=items,
        categories=categories,
        ground=ProvisionRecord.Ground.CONSENT,
    )
    return recipient


def test_an_erasure_skips_a_recipient_whose_provisions_name_none_of_the_kinds(
    customer, officer, django_capture_on_commit_callbacks
):
    """GDPR art. 17(2), 19: Sample Sales received contact details only (its provision
    record says so); the erasure of payment methods is not sent to it, so it does not
    learn that the customer asked. PaymentGate's record names no kinds: it may hold
    any, and is asked."""
    _provided(customer, "Sample Sales", ["contact"])
    _provided(customer, "Card Services", ["identity", "payment"])
    request = file_deletion(customer, categories=["payment"])
    with django_capture_on_commit_callbacks(execute=True):
        approve(request, officer)
    asked = _asked(request, "erase")
    assert "Card Services" in asked and "PaymentGate Inc." in asked
    assert "Sample Sales" not in asked


def test_an_erasure_of_everything_asks_every_recipient_the_data_went_to(
    customer, officer, django_capture_on_commit_callbacks
):
    _provided(customer, "Sample Sales", ["contact"])
    request = file_deletion(customer, scope={"everything": True})
    with django_capture_on_commit_callbacks(execute=True):
        approve(request, officer)
    assert "Sample Sales" in _asked(request, "erase")


def test_a_correction_goes_only_to_recipients_given_the_kind_of_the_item(customer):
    """APPI art. 34, GDPR art. 19: a new phone number (contact details) is told to the
    recipient that was given contact details, not to one given payment data only.
    An item the registry does not know (a correction described in words) may be of any
    kind: everyone the data went to is told."""
    _provided(customer, "Sample Sales", ["identity", "contact"])
    _provided(customer, "Card Services", ["payment"])
    phone = [{"field": "phone", "value": "090-0000-0000"}]
    asked = asked_outside(customer, Operation.CORRECT, changes=phone)
    assert "Sample Sales" in asked and "PaymentGate Inc." in asked
    assert "Card Services" not in asked
    described = [{"field": "", "value": "My old surname is still on the invoices"}]
    assert "Card Services" in asked_outside(customer, Operation.CORRECT, changes=described)
