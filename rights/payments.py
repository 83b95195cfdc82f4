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
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from portal.kernel.api.problems import utf8_text


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
    """A provider without an account: HMAC-SHA256 with a shared secret, bound to a time.

    As in Stripe's scheme, the provider sends the Unix time it signed at in
    ``X-Signature-Timestamp`` and, hex-encoded in ``X-Signature``, the HMAC of
    ``"<timestamp>.<raw body>"``. A call whose timestamp is more than
    ``PAYMENT_WEBHOOK_TOLERANCE_SECONDS`` away from the portal's clock is
    refused, so a captured delivery cannot be replayed later (the event id
    only stops the same event twice). The body is JSON ``{"id", "type",
    "reference", "amount"}`` and only ``"payment.succeeded"`` events are acted
    on. An empty ``PAYMENT_WEBHOOK_SECRET`` refuses every call.
    """

    name = "fake"
    header = "HTTP_X_SIGNATURE"
    timestamp_header = "HTTP_X_SIGNATURE_TIMESTAMP"

    @staticmethod
    def sign(body: bytes, secret: str | None = None, *, timestamp: int) -> str:
        """The signature of ``body`` sent at ``timestamp`` (Unix seconds)."""
        secret = settings.PAYMENT_WEBHOOK_SECRET if secret is None else secret
        signed = f"{timestamp}.".encode() + body
        return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()

    @classmethod
    def signed_headers(
        cls, body: bytes, secret: str | None = None, *, timestamp: int | None = None
    ) -> dict[str, str]:
        """The headers the provider sends with ``body``: signed now unless ``timestamp``."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        return {
            "X-Signature-Timestamp": str(timestamp),
            "X-Signature": cls.sign(body, secret, timestamp=timestamp),
        }

    def verify(self, request) -> Event | None:
        secret = settings.PAYMENT_WEBHOOK_SECRET
        given = request.META.get(self.header, "")
        sent_at = request.META.get(self.timestamp_header, "")
        if not secret or not given:
            raise BadSignature("missing secret or signature")
        # ASCII digits only (str.isdigit() also takes "²"), and no longer than a time can be.
        if not re.fullmatch(r"[0-9]{1,12}", sent_at):
            raise BadSignature("missing or unreadable timestamp")
        expected = self.sign(request.body, secret, timestamp=int(sent_at))
        if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
            raise BadSignature("signature does not match")
        if abs(time.time() - int(sent_at)) > settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS:
            raise BadSignature("timestamp outside the tolerance window")
        try:
            data = json.loads(utf8_text(request.body))
            if not isinstance(data, dict):
                raise ValueError("not an object")
            if data.get("type") != "payment.succeeded":
                return None
            return Event(
                event_id=_text(data["id"], max_length=100),
                reference=_text(data["reference"], max_length=40),
                amount=_amount(data["amount"]),
            )
        except (ValueError, KeyError, TypeError, RecursionError) as error:
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
