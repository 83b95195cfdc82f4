"""The signature of every call to an external system and of every callback from one.

``X-DSR-Timestamp`` is the Unix time of sending, ``X-DSR-Signature`` the hex
HMAC-SHA256, keyed with the system's shared secret, of ``"<timestamp>.<body>"``
(the body's exact bytes). A receiver refuses a signature that does not match
or a timestamp further than ``CONNECTOR_SIGNATURE_TOLERANCE`` seconds from its
clock (a replay).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings

TIMESTAMP_HEADER = "X-DSR-Timestamp"
SIGNATURE_HEADER = "X-DSR-Signature"
KEY_HEADER = "X-DSR-Request-Id"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(
    secret: str, *, timestamp: str, sent: str, body: bytes, now: float | None = None
) -> bool:
    """Whether ``sent`` signs ``body`` at ``timestamp``, and the timestamp is recent."""
    if not secret or not timestamp or not sent:
        return False
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError:
        return False
    if age > settings.CONNECTOR_SIGNATURE_TOLERANCE:
        return False
    # As bytes: a header may carry any Latin-1 character, which compare_digest refuses
    # (raises) in a string.
    return hmac.compare_digest(
        signature(secret, timestamp, body).encode(), sent.encode("utf-8", "replace")
    )
