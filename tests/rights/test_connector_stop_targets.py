"""A stop decision tells each system and recipient what to stop (APPI art. 35,
GDPR art. 18, 19 and 21): the use for the purposes stopped, or the provision to
the recipients stopped, not "restrict" with nothing more."""

import datetime as dt

import pytest
from django.core import mail

from consent.models import ProvisionRecord
from rights import stop_decisions
from rights.choices import Kind, RejectionGround, Status
from rights.connectors.models import ExternalSystem, SystemTask
from rights.services import request_submit
from rights.workflow import transition
from tests.consent_support import recipients

from .connector_support import (  # noqa: F401
    customer_at_double,
    double_fixture,
    recipient_with_email_system,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(double):
    customer = customer_at_double(double)
    recipient_with_email_system(customer, "Yamato Delivery", "privacy-yamato")
    return customer


def _decide(customer, officer, capture, *, kind, scope, decisions, **reasons):
    request = request_submit(subject=customer, requester=customer, kind=kind, scope=scope)
    transition(request, to=Status.IN_REVIEW, actor=officer)
    mail.outbox.clear()
    with capture(execute=True):
        stop_decisions.stop_decide(request=request, decisions=decisions, actor=officer, **reasons)
    return request


def _partner_mail():
    (message,) = [m for m in mail.outbox if m.to == ["privacy-yamato@partner.example"]]
    return message.body


def _restrict_call(double):
    (call,) = [c for c in double.calls if c["operation"] == "restrict"]
    return call["payload"]


@pytest.mark.parametrize(
    ("scope", "decisions", "line", "purposes"),
    [
        (
            {"purposes": ["marketing"]},
            {"purpose:marketing": "stop"},
            "利用を停止する目的：マーケティング及びサービスの改善\n",
            ["marketing"],
        ),
        ({"everything": True}, {"all": "stop"}, "利用を停止する目的：すべての利用目的\n", None),
    ],
    ids=["marketing", "every-use"],
)
def test_a_stop_of_use_names_the_purposes_to_the_partner_and_the_system(
    customer, officer, double, django_capture_on_commit_callbacks, scope, decisions, line, purposes
):
    _decide(
        customer,
        officer,
        django_capture_on_commit_callbacks,
        kind=Kind.STOP_USE,
        scope=scope,
        decisions=decisions,
    )
    assert line in _partner_mail()
    payload = _restrict_call(double)
    assert payload["scope"] == "use"
    assert payload["purposes"] == purposes


def test_a_stop_of_provision_names_the_recipient_and_only_the_stopped_one(
    customer, officer, double, django_capture_on_commit_callbacks
):
    """The stopped recipient's own privacy contact is told (GDPR art. 19); Yamato, whose
    provision goes on (declined), is not told of the request at all."""
    to = recipients()
    ExternalSystem.objects.create(
        name="Sample Group (e-mail)",
        mode=ExternalSystem.Mode.EMAIL,
        recipient=to["affiliate"],
        privacy_contact="privacy-group@partner.example",
        operations=["restrict"],
    )
    ProvisionRecord.objects.create(
        provided_on=dt.date(2026, 5, 1),
        recipient=to["affiliate"],
        subject=customer,
        data_items="name, e-mail",
        ground=ProvisionRecord.Ground.CONSENT,
    )
    _decide(
        customer,
        officer,
        django_capture_on_commit_callbacks,
        kind=Kind.STOP_PROVISION,
        scope={"recipients": [to["affiliate"].pk, to["delivery"].pk]},
        decisions={
            f"recipient:{to['affiliate'].pk}": "stop",
            f"recipient:{to['delivery'].pk}": "decline",
        },
        reason="Deliveries need the address.",
        ground=RejectionGround.NO_GROUND,
    )
    (message,) = [m for m in mail.outbox if m.to == ["privacy-group@partner.example"]]
    assert "提供を停止する提供先：サンプルグループ販売株式会社\n" in message.body
    assert "やまと配送" not in message.body
    assert not [m for m in mail.outbox if m.to == ["privacy-yamato@partner.example"]]
    payload = _restrict_call(double)
    assert payload["scope"] == "provision"
    assert payload["recipients"] == [
        {"name_ja": "サンプルグループ販売株式会社", "name_en": "Sample Group Sales Co., Ltd."}
    ]
    assert SystemTask.objects.filter(operation="restrict").count() == 2


def test_the_working_page_says_what_each_task_stops(
    customer, officer, officer_client, django_capture_on_commit_callbacks
):
    request = _decide(
        customer,
        officer,
        django_capture_on_commit_callbacks,
        kind=Kind.STOP_USE,
        scope={"purposes": ["marketing"]},
        decisions={"purpose:marketing": "stop"},
    )
    page = officer_client.get(
        f"/admin/rights/rightsrequest/{request.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    systems = page[page.index('id="rr-systems"') :]
    assert systems.count("Stop using the data for: Marketing and improving the services") == 2
