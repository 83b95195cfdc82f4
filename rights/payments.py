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
            if data.get("type") != "payment.succeeded":
                return None
            event = Event(
                event_id=str(data["id"]),
                reference=str(data["reference"]),
                amount=int(data["amount"]),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise BadSignature("unreadable body") from error
        if not event.event_id or event.amount < 0:
            raise BadSignature("unreadable body")
        return event


def get_provider(name: str) -> PaymentProvider:
    """The configured provider called ``name``; UnknownProvider if there is none."""
    path = settings.PAYMENT_PROVIDERS.get(name)
    if not path:
        raise UnknownProvider(name)
    provider = import_string(path)()
    provider.name = name
    return provider
