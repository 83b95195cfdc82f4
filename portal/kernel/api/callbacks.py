"""Status callbacks: an event POSTed, signed, to each client that may know of it.

:func:`event_enqueue` is called inside the transaction of the change (a
request's status change, a new restriction): it writes one
:class:`CallbackDelivery` per client with a callback URL that sees the change
and queues its first attempt through the outbox, so an event exists exactly
when its change does. :func:`deliver` POSTs it once; an endpoint that does
not answer 2xx is tried again by the beat job :func:`retry_due` with back-off
(``RETRY_BASE`` doubling to ``RETRY_MAX``) until a day after the event, then
the delivery is marked failed. Staff see every attempt in the admin and may
replay a delivery (:func:`replay`).

The request: ``POST`` with a JSON body ``{"id", "type", "occurred_at",
"data"}`` and the headers ``Webhook-Id`` (the event id, for de-duplication),
``Webhook-Timestamp`` (Unix seconds) and ``Webhook-Signature``:
``v1=`` + hex HMAC-SHA256 under the client's signing secret of
``"<timestamp>.<body>"``. Receivers check the signature and refuse a
timestamp more than five minutes away from their clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from ..audit import audit_log
from ..models import ApiClient, CallbackAttempt, CallbackDelivery
from ..outbox import enqueue
from ..selectors import subjects_in_scope
from .auth import client_scope, loopback_http_allowed
from .subjects import member_numbers

logger = logging.getLogger(__name__)

DELIVER_TASK = "portal.tasks.api_callback_deliver"
GIVE_UP_AFTER = dt.timedelta(days=1)
RETRY_BASE = dt.timedelta(seconds=30)
RETRY_MAX = dt.timedelta(hours=2)
# A queued attempt is left to the outbox for this long before the beat job
# takes the delivery again (the worker may be lost with it).
CLAIM_FOR = dt.timedelta(minutes=10)
TIMEOUT_SECONDS = 10
# Delivered and failed deliveries (with their attempts) are deleted this long after.
KEEP_DAYS = 30
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def check_callback_url(url: str) -> None:
    """HTTPS only; plain http to this machine in development and tests (DEBUG, or
    ``API_CALLBACK_ALLOW_LOOPBACK_HTTP``)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as error:  # e.g. an unclosed IPv6 bracket
        raise ValidationError("A callback URL must start with https://.") from error
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS and loopback_http_allowed():
        return
    raise ValidationError("A callback URL must start with https://.")


def callback_register(*, client: ApiClient, url: str) -> str | None:
    """Set ``client``'s callback URL; return a new signing secret when it had none."""
    check_callback_url(url)
    new_secret = None
    if not client.callback_secret:
        new_secret = secrets.token_urlsafe(32)
        client.callback_secret = new_secret
    client.callback_url = url
    client.save(update_fields=["callback_url", "callback_secret"])
    return new_secret


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + digest.hexdigest()


def event_enqueue(clients, event_type: str, data: dict) -> list[CallbackDelivery]:
    """One delivery per client with a callback URL, queued in the caller's transaction."""
    now = timezone.now()
    deliveries = []
    for client in clients:
        if not (client.is_active and client.callback_url):
            continue
        delivery = CallbackDelivery.objects.create(
            client=client,
            event_type=event_type,
            payload=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
            created_at=now,
            next_attempt_at=now + CLAIM_FOR,
        )
        enqueue(DELIVER_TASK, delivery.pk)
        deliveries.append(delivery)
    return deliveries


def callback_clients():
    return ApiClient.objects.filter(is_active=True).exclude(callback_url="")


def subject_event_enqueue(subject, event_type: str, data: dict) -> None:
    """Queue an event about ``subject`` to each client that sees them, naming them by
    their member numbers with that client's services (nothing else about them)."""
    for client in callback_clients():
        scope = client_scope(client)
        if subjects_in_scope(scope).filter(pk=subject.pk).exists():
            numbers = member_numbers(scope, subject)
            event_enqueue([client], event_type, {**data, "subject": numbers})


def body_of(delivery: CallbackDelivery) -> bytes:
    envelope = {
        "id": str(delivery.event_id),
        "type": delivery.event_type,
        "occurred_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer other than 2xx: tried again later


_opener = urllib.request.build_opener(_NoRedirect)


def _post(client: ApiClient, delivery: CallbackDelivery) -> tuple[int | None, str]:
    check_callback_url(client.callback_url)
    body = body_of(delivery)
    timestamp = str(int(time.time()))
    post = urllib.request.Request(
        client.callback_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "rights-portal-callbacks/1",
            "Webhook-Id": str(delivery.event_id),
            "Webhook-Timestamp": timestamp,
            "Webhook-Signature": signature(client.callback_secret, timestamp, body),
        },
    )
    try:
        with _opener.open(post, timeout=TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (OSError, ValidationError, ValueError) as exc:
        return None, f"{exc.__class__.__name__}: {exc}"[:255]


def deliver(delivery_id: int, *, replayed_by_id: int | None = None) -> bool:
    """POST one delivery once, unless it is no longer pending; True if delivered."""
    with transaction.atomic():
        delivery = (
            CallbackDelivery.objects.select_for_update()
            .select_related("client")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.state != CallbackDelivery.State.PENDING:
            return False
        started = time.monotonic()
        status, error = _post(delivery.client, delivery)
        now = timezone.now()
        CallbackAttempt.objects.create(
            delivery=delivery,
            attempted_at=now,
            status_code=status,
            error=error,
            duration_ms=int((time.monotonic() - started) * 1000),
            replayed_by_id=replayed_by_id,
        )
        delivery.attempts += 1
        if status is not None and 200 <= status < 300:
            delivery.state = CallbackDelivery.State.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        elif now - delivery.created_at >= GIVE_UP_AFTER and replayed_by_id is None:
            delivery.state = CallbackDelivery.State.FAILED
            delivery.next_attempt_at = None
            logger.warning("api callback %s to client %s given up", delivery.pk, delivery.client)
        else:
            wait = min(RETRY_BASE * 2 ** (delivery.attempts - 1), RETRY_MAX)
            delivery.next_attempt_at = now + wait
        delivery.save(update_fields=["attempts", "state", "delivered_at", "next_attempt_at"])
    return delivery.state == CallbackDelivery.State.DELIVERED


def retry_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Queue another attempt of every pending delivery whose time has come; return how many.

    Also deletes the deliveries that ended more than ``KEEP_DAYS`` ago.
    """
    now = now or timezone.now()
    CallbackDelivery.objects.exclude(state=CallbackDelivery.State.PENDING).filter(
        created_at__lt=now - dt.timedelta(days=KEEP_DAYS)
    ).delete()
    with transaction.atomic():
        due = list(
            CallbackDelivery.objects.select_for_update(skip_locked=True)
            .filter(state=CallbackDelivery.State.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")[:limit]
        )
        for delivery in due:
            delivery.next_attempt_at = now + CLAIM_FOR
            delivery.save(update_fields=["next_attempt_at"])
            enqueue(DELIVER_TASK, delivery.pk)
    return len(due)


def replay(*, delivery: CallbackDelivery, actor) -> None:
    """Staff: send a delivery again now, whatever its state (receivers dedupe on its id)."""
    with transaction.atomic():
        CallbackDelivery.objects.filter(pk=delivery.pk).update(
            state=CallbackDelivery.State.PENDING, next_attempt_at=timezone.now() + CLAIM_FOR
        )
        enqueue(DELIVER_TASK, delivery.pk, replayed_by_id=actor.pk)
        audit_log(
            action="api.callback_replayed",
            actor=actor,
            target=delivery,
            details={"client": delivery.client_id, "event": delivery.event_type},
        )
