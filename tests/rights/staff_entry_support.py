"""Requests that staff enter from a letter, as the intake screen does."""

from django.utils import timezone

from rights.choices import Channel, DeliveryMethod, Kind, Regime
from rights.requesters.staff_entry import staff_request_enter


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
