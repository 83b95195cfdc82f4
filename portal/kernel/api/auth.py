"""API keys: made, checked, limited, and every call audited.

A key reads ``rp_<prefix>_<secret>``. Only its SHA-256 is stored (a key is
256 random bits, so a fast hash is as safe as a slow one and costs nothing
per call); the prefix finds the row, the hash is compared in constant time.
A key is refused when revoked, expired, or its client is inactive, and when
the request carries a cookie: the API authenticates by key alone, so a
browser's session (a staff member's, even with its second factor) never
acts on it, and CSRF has nothing to protect.

Each key may make ``ApiClient.rate_limit`` calls per minute (fixed windows
in the shared cache); more are answered 429 with ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from ninja.security import HttpBearer

from ..audit import audit_log
from ..models import ApiClient, ApiKey
from .problems import ApiProblem

logger = logging.getLogger(__name__)

KEY_PREFIX = "rp_"
# last_used_at is written at most this often per key: to the minute is enough,
# and a write per call would serialise a busy client on its key's row.
LAST_USED_RESOLUTION = 60


@dataclass
class Caller:
    """Who is calling: the client and the key it used."""

    client: ApiClient
    key: ApiKey

    def __str__(self):
        return f"api-key:{self.key.pk}"

    @cached_property
    def scope(self) -> frozenset[str] | None:
        return client_scope(self.client)


def client_scope(client: ApiClient) -> frozenset[str] | None:
    """Codes of the services whose customers and requests ``client`` sees; None means all."""
    if client.all_services:
        return None
    return frozenset(client.services.values_list("code", flat=True))


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_create(*, client: ApiClient, label: str = "", expires_at=None, actor=None):
    """Make a key for ``client``; return ``(ApiKey, key)``. The key is never shown again."""
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        row = ApiKey.objects.create(
            client=client,
            label=label,
            prefix=prefix,
            hashed_key=_hash(key),
            expires_at=expires_at,
            created_by=actor,
        )
        audit_log(
            action="api.key_created",
            actor=actor,
            target=row,
            details={
                "client": client.pk,
                "prefix": prefix,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return row, key


def api_key_revoke(*, key: ApiKey, actor=None) -> None:
    """Refuse ``key`` from now on; revoking a revoked key changes nothing."""
    with transaction.atomic():
        updated = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated:
            audit_log(
                action="api.key_revoked",
                actor=actor,
                target=key,
                details={"client": key.client_id, "prefix": key.prefix},
            )


def _find(token: str) -> ApiKey | None:
    if not token.startswith(KEY_PREFIX):
        return None
    prefix, _sep, _secret = token[len(KEY_PREFIX) :].partition("_")
    row = ApiKey.objects.select_related("client").filter(prefix=prefix[:16]).first()
    if row is None or not hmac.compare_digest(row.hashed_key, _hash(token)):
        return None
    return row


def _within_rate(key: ApiKey) -> int | None:
    """None when the call is within the key's limit, else the seconds to wait."""
    window = int(time.time() // 60)
    counter = f"api-rate:{key.pk}:{window}"
    try:
        cache.add(counter, 0, timeout=120)
        try:
            calls = cache.incr(counter)
        except ValueError:  # expired between add and incr
            cache.set(counter, 1, timeout=120)
            calls = 1
    except Exception:  # the cache is down: log it, let the call through (as the login does)
        logger.warning("API rate limit: cache unavailable", exc_info=True)
        return None
    if calls > key.client.rate_limit:
        return 60 - int(time.time()) % 60
    return None


def _refusal(row: ApiKey, now) -> str:
    """Why ``row`` is refused: the caller holds the key, so saying so tells it nothing
    new, and tells its developers whether to rotate the key or ask for the client, and
    whom to ask: the privacy office, which makes the keys and the clients."""
    office = f"the privacy office ({settings.PRIVACY_OFFICE_EMAIL})"
    if row.revoked_at is not None:
        return f"This API key is revoked; ask {office} for a new one."
    if row.expires_at is not None and row.expires_at <= now:
        return f"This API key is expired; ask {office} for a new one."
    return (
        f"This API key's client is inactive; no key of it is accepted. Ask {office} "
        "whether it may be made active again."
    )


class ApiKeyAuth(HttpBearer):
    """Bearer authentication by API key, requiring ``scope`` (None: any key)."""

    def __init__(self, scope: str | None = None):
        self.required_scope = scope
        super().__init__()

    def __call__(self, request):
        if request.COOKIES:
            request.api_caller = None
            raise ApiProblem(
                400,
                "cookies-refused",
                "The API does not accept cookies; authenticate with an API key only.",
            )
        return super().__call__(request)

    def authenticate(self, request, token):
        request.api_caller = None
        row = _find(token)
        if row is None:
            return None
        caller = Caller(client=row.client, key=row)
        request.api_caller = caller
        now = timezone.now()
        if not row.is_usable(now):
            raise ApiProblem(
                401,
                "key-refused",
                _refusal(row, now),
                headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
            )
        wait = _within_rate(row)
        if wait is not None:
            raise ApiProblem(
                429,
                "rate-limited",
                "Too many calls with this key; try again later.",
                headers={"Retry-After": str(wait)},
            )
        if self.required_scope and self.required_scope not in (row.client.scopes or []):
            raise ApiProblem(
                403, "scope-missing", f"This key's client lacks the scope {self.required_scope}."
            )
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() >= (
            LAST_USED_RESOLUTION
        ):
            ApiKey.objects.filter(pk=row.pk).update(last_used_at=now)
        return caller


def audit_call(request, *, status: int, subject=None, target=None, details=None) -> None:
    """Record one call: client, key, endpoint, outcome, subject; never a value sent.

    Calls with no known key (a wrong or missing one) are only logged: the
    audit trail records what a client did, not what strangers tried.
    """
    caller = getattr(request, "api_caller", None)
    if caller is None:
        return
    match = getattr(request, "resolver_match", None)
    endpoint = match.route if match is not None else request.path
    audit_log(
        action="api.call",
        target=target if target is not None else caller.client,
        subject=subject,
        request=request,
        details={
            "client": caller.client.pk,
            "key": caller.key.prefix,
            "endpoint": f"{request.method} /{endpoint}",
            "outcome": status,
            **(details or {}),
        },
    )


def loopback_http_allowed() -> bool:
    """Callback URLs may be plain http://127.0.0.1 in development and tests only."""
    return settings.DEBUG or settings.API_CALLBACK_ALLOW_LOOPBACK_HTTP
