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

A callback never goes to this machine or the company's own network (SSRF):
:func:`check_callback_url` refuses a host that is, or resolves to, a
loopback, private, link-local, reserved, multicast or unspecified address,
and each attempt resolves the host again and connects only to the addresses
it checked (:class:`_CheckedHTTPSConnection`), so a name that changes its
answer after registration is refused too. The one exception is the
documented one: plain ``http://`` to ``127.0.0.1``, ``localhost`` or ``::1``
while :func:`loopback_http_allowed` (development and tests).

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
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..audit import audit_log
from ..deadline_http import DeadlineHTTPConnection, DeadlineHTTPSConnection
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


# Networks whose addresses carry another IPv4 address: checked as that address.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class RefusedAddress(OSError):
    """The callback host is, or resolves to, an address of this machine or a private network."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refused(address: str) -> bool:
    """True for an address a callback must not reach: loopback, private, link-local,
    reserved, multicast, unspecified, or anything else not on the public internet
    (IPv4, IPv6, and IPv4 inside IPv6)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone is not part of it
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None and address_refused(str(inner)):
            return True
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` stands for (itself when it is one); OSError when none."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def _refused_message(host: str, address: str) -> str:
    if host.strip("[]") == address:
        return _("The callback host %(address)s is not a public internet address.") % {
            "address": address
        }
    return _(
        "The callback host %(host)s resolves to %(address)s, not a public internet address."
    ) % {"host": host, "address": address}


def _loopback_allowed(parts: urllib.parse.SplitResult) -> bool:
    """The documented exception: plain http to this machine in development and tests."""
    return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS and loopback_http_allowed()


def _refuse_zone(host: str) -> None:
    """Refuse an IPv6 literal with a zone id (``[fe80::1%25eth0]``), naming the address
    when it is refused anyway. A zone names an interface of this machine: it has no
    meaning on the public internet, and the resolver would not answer for the host
    with it, so it must not pass for a name that does not resolve yet."""
    address = urllib.parse.unquote(host).split("%", 1)[0]
    try:
        refused = address_refused(address)
    except ValueError:
        refused = False
    if refused:
        raise ValidationError(_refused_message(address, address))
    raise ValidationError(_("A callback URL cannot name a network interface (an IPv6 zone)."))


def check_callback_url(url: str) -> None:
    """HTTPS to a public internet address only; plain http to this machine in
    development and tests (DEBUG, or ``API_CALLBACK_ALLOW_LOOPBACK_HTTP``).

    Its messages are in the active language (the admin's); the API's problem
    details and the attempts' errors render them in English.

    The URL must be one Django's ``URLValidator`` accepts, as the admin's field
    does, without a user name or password or port 0; an IPv6 literal with a zone id is
    refused (:func:`_refuse_zone`). A
    host name is resolved and refused when any of its addresses is refused
    (:func:`address_refused`). A name that does not resolve now is accepted:
    every attempt resolves it again and is refused then if need be.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise ValidationError(_("The callback URL is not a valid address.")) from error
    if port == 0:
        # Nothing can be reached on port 0: stored, it would fail every attempt.
        raise ValidationError(_("The callback URL is not a valid address."))
    if _loopback_allowed(parts):
        return
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError(_("A callback URL must start with https://."))
    if "@" in parts.netloc:
        # The connection would read "user:password@host" as the host: never sent, and
        # each failed attempt would record the password in its error.
        raise ValidationError(_("A callback URL cannot carry a user name or password."))
    if "%" in parts.hostname:
        _refuse_zone(parts.hostname)
    try:
        addresses = resolve(parts.hostname, port or 443)
    except (OSError, UnicodeError):
        addresses = []  # not resolved yet: every attempt resolves it again
    for address in addresses:
        if address_refused(address):
            raise ValidationError(_refused_message(parts.hostname, address))
    try:
        # As the admin's URL field checks it: both accept and refuse the same URLs.
        URLValidator(schemes=["https"])(url)
    except ValidationError as error:
        raise ValidationError(_("The callback URL is not a valid address.")) from error


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


class _UtcEncoder(DjangoJSONEncoder):
    """Django's encoder, every time in UTC (``...Z``) as the API answers them: a
    request's deadline is computed in its regime's time zone."""

    def default(self, o):
        if isinstance(o, dt.datetime) and timezone.is_aware(o):
            o = o.astimezone(dt.UTC)
        return super().default(o)


def callback_remove(*, client: ApiClient) -> None:
    """Remove ``client``'s callback URL and its signing secret: nothing more is sent
    (deliveries still pending end unsent) and the next URL gets a new secret."""
    client.callback_url = ""
    client.callback_secret = ""
    client.save(update_fields=["callback_url", "callback_secret"])


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
            payload=json.loads(json.dumps(data, cls=_UtcEncoder)),
            created_at=now,
            next_attempt_at=now + CLAIM_FOR,
        )
        enqueue(DELIVER_TASK, delivery.pk)
        deliveries.append(delivery)
    return deliveries


#: The scopes whose holders are told of a customer's new stop (what consent:read answers).
RESTRICTION_SCOPES = ("consent:read",)


def callback_clients(scopes: tuple[str, ...]):
    """Active clients with a callback URL that hold one of ``scopes``: a callback tells
    a client only what one of its scopes lets it read."""
    clients = ApiClient.objects.filter(is_active=True).exclude(callback_url="")
    holding = [
        client.pk
        for client in clients.only("pk", "scopes")
        if set(scopes) & set(client.scopes or [])
    ]
    return clients.filter(pk__in=holding)


def subject_event_enqueue(subject, event_type: str, data: dict) -> None:
    """Queue an event about ``subject`` to each client that sees them and may ask about
    their permissions, naming them by their member numbers with that client's services
    (nothing else about them)."""
    for client in callback_clients(RESTRICTION_SCOPES):
        scope = client_scope(client)
        if subjects_in_scope(scope).filter(pk=subject.pk).exists():
            numbers = member_numbers(scope, subject)
            event_enqueue([client], event_type, {**data, "subject": numbers})


def body_of(delivery: CallbackDelivery) -> bytes:
    envelope = {
        "id": str(delivery.event_id),
        "type": delivery.event_type,
        "occurred_at": _UtcEncoder().default(delivery.created_at),
        "data": delivery.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer other than 2xx: tried again later


def _checked_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
    """``socket.create_connection`` to a host's checked addresses only.

    The host is resolved once here and each address is checked before any
    connection, so the address connected to is the address checked (a name
    cannot answer differently between the check and the connection).
    """
    host, port = address
    addresses = resolve(host, port)
    for candidate in addresses:
        if address_refused(candidate):
            raise RefusedAddress(_refused_message(host, candidate))
    error: OSError | None = None
    for candidate in addresses:
        try:
            return socket.create_connection((candidate, port), timeout, source_address)
        except OSError as exc:
            error = exc
    raise error or OSError(f"No address for {host}.")


class _CheckedHTTPSConnection(DeadlineHTTPSConnection):
    """HTTPS (certificate checked against the host name) to checked addresses only,
    the whole answer within the timeout."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _checked_connection


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_CheckedHTTPSConnection, req, context=self._context)


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(DeadlineHTTPConnection, req)


# No proxy from the environment: the addresses checked are the ones connected to.
# Plain http is only ever the documented loopback exception (check_callback_url).
_opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), _NoRedirect, _CheckedHTTPSHandler, _DeadlineHTTPHandler
)


def _post(client: ApiClient, delivery: CallbackDelivery) -> tuple[int | None, str, bool]:
    """POST the delivery: (HTTP status or None, error, refused before sending).

    The error is recorded in English, as the other attempts' errors are."""
    with translation.override("en"):
        return _post_once(client, delivery)


def _post_once(client: ApiClient, delivery: CallbackDelivery) -> tuple[int | None, str, bool]:
    try:
        check_callback_url(client.callback_url)
    except ValidationError as exc:
        return None, ("Refused: " + " ".join(exc.messages))[:255], True
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
            return response.status, "", False
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}", False
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, RefusedAddress):
            return None, f"Refused: {exc.reason}"[:255], True
        return None, f"{exc.__class__.__name__}: {exc}"[:255], False
    except (OSError, ValueError) as exc:
        return None, f"{exc.__class__.__name__}: {exc}"[:255], False


def deliver(delivery_id: int, *, replayed_by_id: int | None = None) -> bool:
    """POST one delivery once, unless it is no longer pending; True if delivered.

    An address refused at this moment (:func:`check_callback_url`) is not
    POSTed to, nor is anything sent for a client deactivated since the event
    or whose callback URL was removed (:func:`callback_remove`):
    the delivery fails at once, the reason in its attempt, and is not retried.
    """
    with transaction.atomic():
        delivery = (
            CallbackDelivery.objects.select_for_update()
            .select_related("client")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.state != CallbackDelivery.State.PENDING:
            return False
        if not delivery.client.is_active:
            _cancel(delivery, "Not sent: the client is inactive.", replayed_by_id=replayed_by_id)
            return False
        if not delivery.client.callback_url:
            _cancel(
                delivery, "Not sent: the client has no callback URL.", replayed_by_id=replayed_by_id
            )
            return False
        started = time.monotonic()
        status, error, refused = _post(delivery.client, delivery)
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
        elif refused:
            delivery.state = CallbackDelivery.State.FAILED
            delivery.next_attempt_at = None
            logger.warning(
                "api callback %s to client %s refused: %s", delivery.pk, delivery.client, error
            )
        elif now - delivery.created_at >= GIVE_UP_AFTER and replayed_by_id is None:
            delivery.state = CallbackDelivery.State.FAILED
            delivery.next_attempt_at = None
            logger.warning("api callback %s to client %s given up", delivery.pk, delivery.client)
        else:
            wait = min(RETRY_BASE * 2 ** (delivery.attempts - 1), RETRY_MAX)
            delivery.next_attempt_at = now + wait
        delivery.save(update_fields=["attempts", "state", "delivered_at", "next_attempt_at"])
    return delivery.state == CallbackDelivery.State.DELIVERED


def _cancel(delivery: CallbackDelivery, reason: str, *, replayed_by_id: int | None) -> None:
    """Settle ``delivery`` as failed without sending it, ``reason`` recorded as its attempt."""
    CallbackAttempt.objects.create(
        delivery=delivery,
        attempted_at=timezone.now(),
        error=reason,
        replayed_by_id=replayed_by_id,
    )
    delivery.state = CallbackDelivery.State.FAILED
    delivery.next_attempt_at = None
    delivery.save(update_fields=["state", "next_attempt_at"])
    logger.info("api callback %s to client %s not sent: %s", delivery.pk, delivery.client, reason)


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
