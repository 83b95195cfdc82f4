"""Support for the connector tests: the test double started on a loopback port, and
systems and recipients configured as staff would in the admin."""

from __future__ import annotations

import datetime as dt

import pytest

from consent.models import ProvisionRecord, Recipient
from rights import stop_decisions
from rights.choices import Kind, Status
from rights.connectors.demo import MAILING_FIELDS
from rights.connectors.models import ExternalSystem, SystemTask
from rights.services import request_submit
from rights.workflow import transition
from tests.connector_double import ConnectorDouble

from .retention_support import approve, customer_with_records, file_deletion

SECRET = "s3cret-of-the-mailing-service"


def started_double() -> ConnectorDouble:
    """The double on a free loopback port (a test module's fixture stops it)."""
    return ConnectorDouble(secret=SECRET).start()


@pytest.fixture(name="double")
def double_fixture():
    """The double, started for the test and stopped after it (import it with noqa: F401)."""
    service = started_double()
    yield service
    service.stop()


def api_system(double, **kwargs) -> ExternalSystem:
    """The mailing service: contact details and usage, every operation, over HTTP."""
    values = {
        "name": "Mailing service",
        "mode": ExternalSystem.Mode.API,
        "base_url": double.url,
        "secret": double.secret,
        "categories": ["contact", "usage"],
        "fields": MAILING_FIELDS,
        "operations": ["access", "correct", "erase", "restrict"],
        "timeout_seconds": 2,
        **kwargs,
    }
    return ExternalSystem.objects.create(**values)


def seed_double(double, customer) -> None:
    double.add(
        customer.email,
        {
            "id": "m-1",
            "category": "contact",
            "values": {"email": customer.email, "address": "Chiyoda 1-1"},
        },
        {"id": "m-2", "category": "usage", "values": {"sent": "2026-06-02 newsletter"}},
    )


def customer_at_double(double, **customer):
    """A customer whose contact details and usage the mailing service (the double) holds;
    ``customer`` as for ``customer_with_records``."""
    held = customer_with_records(**customer)
    seed_double(double, held)
    api_system(double)
    return held


def systems_section(client, request, language: str) -> str:
    """The request's admin page in ``language``, from its section of outside systems on."""
    client.cookies["django_language"] = language
    page = client.get(f"/admin/rights/rightsrequest/{request.pk}/change/").content.decode()
    return page[page.index('id="rr-systems"') :]


def recipient_with_email_system(customer, name: str, contact: str) -> ExternalSystem:
    """A subcontractor the customer's data went to, reached by e-mail."""
    recipient = Recipient.objects.create(
        name_ja=name, name_en=name, kind=Recipient.Kind.SUBCONTRACTOR, country="JP"
    )
    ProvisionRecord.objects.create(
        provided_on=dt.date(2026, 5, 1),
        recipient=recipient,
        subject=customer,
        data_items="name, address",
        ground=ProvisionRecord.Ground.OUTSOURCING,
    )
    return ExternalSystem.objects.create(
        name=name,
        mode=ExternalSystem.Mode.EMAIL,
        recipient=recipient,
        privacy_contact=f"{contact}@partner.example",
        categories=["identity", "contact"],
        operations=["correct", "erase", "restrict"],
    )


#: The admin form of an HTTP system as staff fill it in.
SYSTEM_FORM = {
    "name": "Billing",
    "mode": "api",
    "base_url": "https://billing.example/api",
    "new_secret": "top-secret-value",
    "categories": ["contact", "transactions"],
    "operations": ["access", "erase"],
    "fields_text": "email contact E-mail",
    "answer_days": "7",
    "timeout_seconds": "10",
    "is_active": "on",
}


def staff_task_system(operation: str) -> ExternalSystem:
    """A system nobody can call: its tasks are staff tasks (contact details)."""
    return ExternalSystem.objects.create(
        name="Call-centre archive", mode="manual", categories=["contact"], operations=[operation]
    )


def every_use_stopped(customer, officer, capture):
    """A stop of every use of ``customer``'s data, filed and decided; the request."""
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.STOP_USE, scope={"everything": True}
    )
    transition(request, to=Status.IN_REVIEW, actor=officer)
    with capture(execute=True):
        stop_decisions.stop_decide(request=request, decisions={"all": "stop"}, actor=officer)
    request.refresh_from_db()
    return request


def staff_erasure(officer, capture, categories=("contact",)):
    """A deletion of ``categories`` approved, its erasure outside a staff task (no hold
    yet): (the customer, the request, the task)."""
    customer = customer_with_records()
    staff_task_system("erase")
    request = file_deletion(customer, categories=list(categories))
    with capture(execute=True):
        approve(request, officer)
    request.refresh_from_db()
    return customer, request, SystemTask.objects.get(request=request)
