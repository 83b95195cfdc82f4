"""Requests that staff enter from a letter, as the intake screen does, and the
customer and services the staff-entry tests share (import the fixtures with
noqa: F401, as ``connector_support``'s)."""

import pytest
from django.utils import timezone

from rights.choices import Channel, DeliveryMethod, Kind, Regime
from rights.requesters.staff_entry import staff_request_enter
from tests.factories import ProfileFactory, RegistrationFactory, ServiceFactory

ENTER = "/admin/rights/rightsrequest/enter/"


@pytest.fixture(name="customer")
def customer_fixture(db):
    """A customer whose notices are written in English."""
    return ProfileFactory(user__language="en").user


@pytest.fixture(name="mobile")
def mobile_fixture(customer):
    """A service the customer is registered with."""
    return RegistrationFactory(
        user=customer, service=ServiceFactory(code="mobile", name_en="Mobile")
    ).service


@pytest.fixture(name="fibre")
def fibre_fixture(customer):
    """A second service the customer is registered with."""
    return RegistrationFactory(
        user=customer, service=ServiceFactory(code="fibre", name_en="Fibre")
    ).service


@pytest.fixture(name="video")
def video_fixture(db):
    """A service the customer is not registered with."""
    return ServiceFactory(code="video", name_en="Video")


def entry(customer, **overrides) -> dict:
    """The entry form's fields for a letter asking for a paper disclosure, received
    today; ``overrides`` change or add fields."""
    return {
        "subject_email": customer.email,
        "kind": "disclosure",
        "channel": "mail",
        "received_on": timezone.localdate().isoformat(),
        "regime": "appi",
        "delivery_method": "paper",
        "details": "Letter: what do you hold about my mobile contract?",
        **overrides,
    }


def otp_verified(client, user):
    """``client``'s session passed the admin's second factor as ``user``."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="staff", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def entered_from_a_letter(subject, actor, **overrides):
    """A request received by post today and entered by staff: an APPI disclosure
    answered electronically whose sender's identity is still to be checked.
    Any argument of ``staff_request_enter`` can be given to change it."""
    fields = {
        "kind": Kind.DISCLOSURE,
        "channel": Channel.MAIL,
        "received_on": timezone.localdate(),
        "regime": Regime.APPI,
        "delivery_method": DeliveryMethod.ELECTRONIC,
        "needs_verification": True,
        **overrides,
    }
    return staff_request_enter(subject=subject, actor=actor, **fields)
