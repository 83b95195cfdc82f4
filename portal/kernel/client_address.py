"""The client's network address: one policy for the audit trail, the login
throttle and every rate limit.

gunicorn runs behind a proxy, so ``REMOTE_ADDR`` is the proxy's address for
every visitor. The address the proxy saw is in ``X-Forwarded-For``, but anyone
can send that header, so it is believed only when the request arrives from an
address listed in ``TRUSTED_PROXIES`` (an address or a network, e.g.
``127.0.0.1`` or ``10.0.0.0/8``). Every other header (``X-Real-IP``,
``Forwarded``, CDN headers) is ignored.

The header is read from its right end, the proxy's own entry, leftwards:
entries that are trusted proxies themselves (a load balancer in front of the
same-host proxy) are skipped, and the first entry that is not is the client.
Whatever a client wrote into the header itself stands further left and is
never reached. django-ipware parses each entry (ports, bracketed IPv6,
IPv4-mapped IPv6, junk) and picks the address at that position.

With ``TRUSTED_PROXIES`` empty (the embedded default) the address is
``REMOTE_ADDR`` and forwarded headers are ignored.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from ipware import get_client_ip

_FORWARDED = "HTTP_X_FORWARDED_FOR"
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IpNetwork, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is not an IP address or network"
            ) from error
    return tuple(networks)


def trusted_networks() -> tuple[IpNetwork, ...]:
    """The networks of ``TRUSTED_PROXIES``; raises ImproperlyConfigured on a bad entry."""
    return _networks(tuple(e for e in getattr(settings, "TRUSTED_PROXIES", []) if e.strip()))


def _parse(value) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(str(value or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_trusted_proxy(address: str | None) -> bool:
    parsed = _parse(address)
    return parsed is not None and any(
        parsed.version == network.version and parsed in network for network in trusted_networks()
    )


def client_ip(request) -> str | None:
    """The client's address under the policy above; None when there is none."""
    if request is None:
        return None
    remote = _parse(request.META.get("REMOTE_ADDR"))
    if remote is None:
        return None
    if not is_trusted_proxy(str(remote)):
        return str(remote)
    hops = [h.strip() for h in request.META.get(_FORWARDED, "").split(",") if h.strip()]
    trusted = 0  # trailing header entries that are trusted proxies too
    for hop in reversed(hops):
        if not is_trusted_proxy(str(_parse(hop) or "")):
            break
        trusted += 1
    if trusted == len(hops):
        # No forwarded address (or only proxies): the proxy itself is all we know.
        return str(remote)
    # Only the client's entry and the proxies after it go to ipware, strict: an
    # entry it cannot read makes it answer None instead of skipping the entry
    # and picking the one a client wrote to its left.
    address, _routable = get_client_ip(
        SimpleNamespace(META={_FORWARDED: ", ".join(hops[-(trusted + 1) :])}),
        proxy_count=trusted,
        request_header_order=[_FORWARDED],
        strict=True,
    )
    # No readable client entry: the request counts as the proxy's, whose
    # address is never locked (may_lock_address).
    return address or str(remote)


def may_lock_address(address: str | None) -> bool:
    """Whether a per-address lock may apply to ``address``.

    Never for an unknown address, a trusted proxy or this machine (loopback):
    those are shared by every visitor that came through the proxy, so locking
    them would lock everyone out. The per-account counter still applies.
    """
    parsed = _parse(address)
    return parsed is not None and not parsed.is_loopback and not is_trusted_proxy(str(parsed))


def ratelimit_ip(request) -> str:
    """django-ratelimit's ``RATELIMIT_IP_META_KEY``: the same address as above."""
    address = client_ip(request)
    if address is None:
        raise ImproperlyConfigured(
            "No client address: REMOTE_ADDR is empty (a proxy on a Unix socket?)."
        )
    return address
