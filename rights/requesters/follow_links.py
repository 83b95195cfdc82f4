"""The signed follow link of a request without an account, one per address told of it.

The token carries a digest of the address rather than the address, so a link
shows none. :mod:`.follow` reads it back.
"""

from __future__ import annotations

from django.core import signing
from django.utils.crypto import salted_hmac

from ..models import RightsRequest

# Stored in signed values: the salt keeps its first name.
_FOLLOW_SALT = "rights.identity.follow"


def address_digest(email: str) -> str:
    return salted_hmac(_FOLLOW_SALT, email.strip().lower(), algorithm="sha256").hexdigest()[:32]


def follow_token(request: RightsRequest, email: str) -> str:
    """The token of the follow link of ``request`` for the address ``email``: signed, and
    carrying a digest of the address rather than the address, so a link shows none."""
    return signing.dumps({"r": request.pk, "e": address_digest(email)}, salt=_FOLLOW_SALT)
