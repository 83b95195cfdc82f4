"""Online payment providers: the interface a provider's webhook is verified through.

A provider tells the portal a fee was paid by calling
``/payments/webhook/<provider>/``. The provider class named for it in
``PAYMENT_PROVIDERS`` checks the call really comes from the provider
(:meth:`PaymentProvider.verify`) and reads the event; :mod:`rights.fees`
applies it once per event id. No provider account is needed to run the
portal: :class:`FakeProvider` signs with a shared secret, which is what tests
and a local set-up use, and the shape a real provider's adapter follows.
"""

from __future__ import annotations

import abc
import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


class BadSignature(Exception):
    """The call is not from the provider (or was altered); nothing may change."""


class UnknownProvider(LookupError):
    """No provider of that name is configured."""


@dataclass(frozen=True)
class Event:
    """A payment the provider reports: its id for the event, our reference, the amount in yen."""

    event_id: str
    reference: str
    amount: int


class PaymentProvider(abc.ABC):
    """What a payment provider adapter implements."""

    name: str = ""

    @abc.abstractmethod
    def verify(self, request) -> Event | None:
        """Check the webhook call's signature and read it.

        Returns the payment event, or None for an event kind the portal does
        not act on (it is acknowledged and ignored). Raises
        :class:`BadSignature` when the signature does not match or the body
        cannot be read; the caller then changes nothing.
        """

    def checkout_url(self, payment) -> str | None:
        """Where the person pays ``payment`` by card, if the provider hosts a page."""
        return None


class FakeProvider(PaymentProvider):
    """A provider without an account: HMAC-SHA256 of the raw body with a shared secret.

    The signature is sent hex-encoded in the ``X-Signature`` header; the body
    is JSON ``{"id", "type", "reference", "amount"}`` and only
    ``"payment.succeeded"`` events are acted on. An empty
    ``PAYMENT_WEBHOOK_SECRET`` refuses every call.
    """

    name = "fake"
    header = "HTTP_X_SIGNATURE"

    @staticmethod
    def sign(body: bytes, secret: str | None = None) -> str:
        secret = settings.PAYMENT_WEBHOOK_SECRET if secret is None else secret
        return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    def verify(self, request) -> Event | None:
        secret = settings.PAYMENT_WEBHOOK_SECRET
        given = request.META.get(self.header, "")
        if not secret or not given:
            raise BadSignature("missing secret or signature")
        if not hmac.compare_digest(self.sign(request.body, secret), given):
            raise BadSignature("signature does not match")
        try:
            data = json.loads(request.body)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            if data.get("type") != "payment.succeeded":
                return None
            return Event(
                event_id=_text(data["id"], max_length=100),
                reference=_text(data["reference"], max_length=40),
                amount=_amount(data["amount"]),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise BadSignature("unreadable body") from error


# The largest amount a PaymentEvent (PositiveIntegerField) can hold.
_MAX_AMOUNT = 2_147_483_647


def _text(value, *, max_length: int) -> str:
    """A non-empty, printable string of at most ``max_length`` characters, or ValueError.

    Printable excludes NUL and other control characters, and lone surrogates
    (which JSON can carry as escapes), none of which the database can store
    or a person could have meant.
    """
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise ValueError("not a short non-empty string")
    if not value.isprintable():
        raise ValueError("unprintable characters")
    return value


def _amount(value) -> int:
    """A whole, non-negative number of yen (not a float, not a boolean), or ValueError."""
    if type(value) is not int or not 0 <= value <= _MAX_AMOUNT:
        raise ValueError("not a whole amount in range")
    return value


def get_provider(name: str) -> PaymentProvider:
    """The configured provider called ``name``; UnknownProvider if there is none."""
    path = settings.PAYMENT_PROVIDERS.get(name)
    if not path:
        raise UnknownProvider(name)
    provider = import_string(path)()
    provider.name = name
    return provider
