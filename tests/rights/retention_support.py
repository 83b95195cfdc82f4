"""Helpers for the retention tests: a customer with years of records, and approval."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from portal.kernel.models import Profile
from rights import workflow
from rights.choices import DeliveryMethod, Kind, Status
from rights.retention.holds.services import hold_place
from rights.services import request_submit
from tests.factories import (
    InquiryFactory,
    InvoiceFactory,
    RegistrationFactory,
    ServiceFactory,
    UsageRecordFactory,
    UserFactory,
)

JST = dt.timezone(dt.timedelta(hours=9))


def at(year, month, day, hour=10) -> dt.datetime:
    """A moment in Tokyo."""
    return dt.datetime(year, month, day, hour, tzinfo=JST)


def customer_with_records(*, language="en", service=None, usage=3, invoices=((2025, 4, 30),)):
    """A customer with a profile, a running registration, usage, an inquiry and invoices."""
    user = UserFactory(language=language)
    Profile.objects.create(
        user=user,
        full_name="Hanako Sato",
        postal_code="100-0001",
        address="Chiyoda 1-1",
        phone="03-5555-0123",
        occupation="engineer",
    )
    service = service or ServiceFactory(code="mobile", name="モバイル", name_en="Mobile")
    RegistrationFactory(user=user, service=service, started_on=dt.date(2022, 4, 1))
    for n in range(usage):
        UsageRecordFactory(
            user=user, service=service, occurred_at=timezone.now() - dt.timedelta(days=n + 1)
        )
    InquiryFactory(user=user, service=service)
    for year, month, day in invoices:
        InvoiceFactory(user=user, service=service, issued_on=dt.date(year, month, day))
    return user


def file_deletion(subject, **kwargs):
    return request_submit(subject=subject, requester=subject, kind=Kind.DELETION, **kwargs)


def file_disclosure(subject, **kwargs):
    """An electronic disclosure ``subject`` files, left open (submitted)."""
    return request_submit(
        subject=subject,
        requester=subject,
        kind=Kind.DISCLOSURE,
        delivery_method=DeliveryMethod.ELECTRONIC,
        **kwargs,
    )


def approve(request, officer):
    """What staff do in the admin: review, then put the deletion in progress."""
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    workflow.transition(request, to=Status.IN_PROGRESS, actor=officer)
    request.refresh_from_db()
    return request


IN_COURT = "Tokyo District Court, claim about roaming charges"


def litigation_hold(officer, customer, *, categories=None, reason=IN_COURT):
    """A hold staff place over ``customer``'s data (``categories``, or all) for a claim
    in court: GDPR art. 17(3)(e), the data kept until the hold is released."""
    return hold_place(
        actor=officer,
        subject=customer,
        categories=categories,
        reason=reason,
        legal_basis="GDPR art. 17(3)(e); litigation",
    )


#: The day the retention tests run the sweep on.
TODAY = at(2026, 7, 1)


class WorkerKilled(BaseException):
    """Stands for the worker process dying: nothing in the job may catch it."""


def former_customers(*, customers=3, each=4, ended=dt.date(2024, 1, 31), service=None):
    """Customers whose registration ended on ``ended``, each with usage records."""
    service = service or ServiceFactory(code="video")
    users = []
    for _ in range(customers):
        user = UserFactory()
        RegistrationFactory(
            user=user, service=service, started_on=dt.date(2021, 4, 1), ended_on=ended
        )
        for n in range(each):
            UsageRecordFactory(
                user=user, service=service, occurred_at=at(2023, 6, 1) + dt.timedelta(hours=n)
            )
        users.append(user)
    return users


def told(address, request):
    """The last mail to ``address`` whose subject names ``request``."""
    from django.core import mail

    found = [m for m in mail.outbox if m.to == [address] and request.reference in m.subject]
    assert found, [m.subject for m in mail.outbox]
    return found[-1]


def erased(customer) -> bool:
    """Whether the closed account's address has been erased."""
    customer.refresh_from_db()
    return customer.email == f"erased-{customer.pk}@erased.invalid"
