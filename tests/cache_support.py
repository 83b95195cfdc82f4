"""A shared cache (Redis) that is down, for the tests of what still works then."""

from __future__ import annotations

import contextlib
import socket

from django.core.cache import caches
from django.test import override_settings


def redis_cache(port: int) -> dict:
    """``CACHES`` for a Redis on a loopback ``port``, failing a call within a second."""
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }


def closed_loopback_port() -> int:
    """A loopback port nothing listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def cache_down():
    """The cache is a Redis that refuses connections, inside the block."""
    with override_settings(CACHES=redis_cache(closed_loopback_port())):
        caches.close_all()
        try:
            yield
        finally:
            caches.close_all()
    caches.close_all()
