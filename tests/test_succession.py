"""Business succession (APPI art. 27(5)(ii)): customers' data handed to the successor of
a merger or business transfer is recorded on its own provision ground, for each customer,
and their disclosures show it."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from consent import services
from consent.models import ProvisionRecord, Recipient
from portal.kernel.models import AuditEvent
from rights.choices import Kind
from rights.disclosure.package import write_package
from rights.services import request_submit
from tests.consent_support import recipients
from tests.factories import ProfileFactory, RegistrationFactory, ServiceFactory, StaffFactory

pytestmark = pytest.mark.django_db

GROUND_TEXT = "Business succession: merger or business transfer (APPI art. 27(5)(ii))"


def _successor() -> Recipient:
    return Recipient.objects.create(
        name_ja="新スマイルモバイル株式会社",
        name_en="New Smile Mobile K.K.",
        kind=Recipient.Kind.SUCCESSOR,
    )


def _customers_of(service, n):
    users = [ProfileFactory(user__language="en").user for _ in range(n)]
    for user in users:
        RegistrationFactory(user=user, service=service)
    return users


def _record(successor, service, staff):
    call_command(
        "record_succession",
        successor=successor.pk,
        service=service.code,
        date="2026-10-01",
        items="name, address, contract, usage history",
        note="Absorption-type split agreement of 2026-08-01",
        actor=staff.email,
        stdout=io.StringIO(),
    )


def test_a_transfer_to_a_successor_is_recorded_for_each_customer_once_appi_art_27_5_ii():
    """APPI art. 27(5)(ii): the successor of the mobile business receives the data of
    that business's customers; each gets a provision record on the succession ground;
    running it again adds nothing; the other service's customers are untouched."""
    mobile = ServiceFactory(code="mobile")
    video = ServiceFactory(code="video")
    movers = _customers_of(mobile, 2)
    stayer = _customers_of(video, 1)[0]
    successor, staff = _successor(), StaffFactory()
    _record(successor, mobile, staff)
    _record(successor, mobile, staff)

    records = ProvisionRecord.objects.filter(recipient=successor)
    assert sorted(r.subject_id for r in records) == sorted(u.pk for u in movers)
    assert {r.ground for r in records} == {ProvisionRecord.Ground.SUCCESSION}
    assert {r.provided_on for r in records} == {dt.date(2026, 10, 1)}
    assert not ProvisionRecord.objects.filter(subject=stayer).exists()
    assert AuditEvent.objects.filter(action="consent.succession_recorded").count() == 2


def test_succession_is_the_successors_ground_only_appi_art_27_5_ii():
    """APPI art. 27(5)(ii): succession is not a ground for other recipients, a successor
    receives nothing by consent or outsourcing, and a note naming the deal is required."""
    customer = ProfileFactory().user
    successor, delivery = _successor(), recipients()["delivery"]
    assert not services.may_provide(customer, successor)
    for recipient, ground in [
        (delivery, ProvisionRecord.Ground.SUCCESSION),
        (successor, ProvisionRecord.Ground.CONSENT),
    ]:
        with pytest.raises(services.ProvisionRefused):
            services.provision_record_create(
                subject=customer,
                recipient=recipient,
                provided_on=timezone.localdate(),
                data_items="name",
                ground=ground,
                note="merger",
            )
    with translation.override("ja"), pytest.raises(CommandError, match="承継者ではありません"):
        _record(delivery, ServiceFactory(code="mobile"), StaffFactory())
    assert not ProvisionRecord.objects.exists()


def test_the_disclosure_shows_the_transfer_to_the_successor_appi_art_27_5_ii_and_33_5():
    """APPI art. 27(5)(ii), 33(5): the customer's disclosure lists the successor and the
    record of the transfer with its ground."""
    mobile = ServiceFactory(code="mobile")
    customer = _customers_of(mobile, 1)[0]
    _record(_successor(), mobile, StaffFactory())
    request = request_submit(subject=customer, requester=customer, kind=Kind.DISCLOSURE)
    buffer = io.BytesIO()
    write_package(request, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        report = archive.read("report.html").decode()
        data = json.loads(archive.read("data.json"))
    assert "New Smile Mobile K.K." in report and GROUND_TEXT in report
    [row] = data["provision_records"]
    assert row["ground_code"] == "succession" and row["ground"] == GROUND_TEXT
    assert row["recipient"] == "New Smile Mobile K.K."
    assert any(r["kind"] == "successor" for r in data["recipients"])


def test_the_consent_page_does_not_offer_a_successor_as_a_recipient_appi_art_27_5_ii(
    stepped_up_client,
):
    """APPI art. 27(5)(ii): a successor is not a recipient a customer consents to."""
    successor = _successor()
    rows = stepped_up_client.get("/consent/").context["recipients"]
    assert successor.pk not in [row["recipient"].pk for row in rows]
