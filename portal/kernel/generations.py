"""Generation tokens: a cached value stays valid until the tables it was made from change.

A feature names a generation and the models it is made from
(:func:`watch`); every save or delete of such a row (and every change of a
watched many-to-many table) gives the generation a new token, in the
shared cache, at once and again when the transaction commits — so a
process that read the old rows in between cannot keep them under the new
token. A value cached under a key that includes :func:`token` is then
recomputed after the first change, in every web process. Changes that
bypass the ORM's signals (``QuerySet.update``, raw SQL) are caught by the
time limit of whatever is cached (:data:`TTL`).

Within one web request the tokens are read once, all in one cache round
trip, and kept for the rest of the request (a page asks for several, some
more than once); a bump made by the request itself replaces its own copy.
Outside a request (a task, a command) every call reads the cache.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

logger = logging.getLogger(__name__)

#: Seconds a value cached under a generation token lives at most.
TTL = 600

_names: set[str] = set()

#: The tokens read during the current request; None outside a request.
_request_tokens: ContextVar[dict[str, str] | None] = ContextVar("generation_tokens", default=None)


def _key(name: str) -> str:
    return f"generation:{name}"


def token(name: str) -> str:
    """The current token of ``name`` (a new one if none is stored).

    In a request, the first call reads every watched generation's token at
    once; later calls cost nothing."""
    tokens = _request_tokens.get()
    try:
        if tokens is not None:
            if not tokens and _names:
                stored = cache.get_many([_key(known) for known in _names])
                tokens.update(
                    {known: stored[_key(known)] for known in _names if _key(known) in stored}
                )
            if name in tokens:
                return tokens[name]
        value = cache.get(_key(name))
        if value is None:
            cache.add(_key(name), uuid.uuid4().hex, None)
            value = cache.get(_key(name)) or ""
    except Exception:  # the cache is down: a token nothing was cached under
        logger.warning("Generation token: cache unavailable", exc_info=True)
        value = uuid.uuid4().hex
        if tokens is not None:  # the rest of the request does not wait on the cache again
            tokens.update({known: uuid.uuid4().hex for known in _names if known not in tokens})
    if tokens is not None:
        tokens[name] = value
    return value


def quiet_get(key: str):
    """``cache.get(key)``, or None while the cache cannot answer (logged)."""
    try:
        return cache.get(key)
    except Exception:
        logger.warning("Cache unavailable: read skipped", exc_info=True)
        return None


def quiet_set(key: str, value, timeout) -> None:
    """``cache.set``, skipped while the cache cannot answer (logged)."""
    try:
        cache.set(key, value, timeout)
    except Exception:
        logger.warning("Cache unavailable: write skipped", exc_info=True)


def quiet_delete(key: str) -> None:
    """``cache.delete``, skipped while the cache cannot answer (logged)."""
    try:
        cache.delete(key)
    except Exception:
        logger.warning("Cache unavailable: delete skipped", exc_info=True)


T = TypeVar("T")

#: Values of :func:`cached` held in this process: key → (token, value, until).
_held: dict[str, tuple[str, object, float]] = {}


def cached(name: str, key: str, compute: Callable[[], T]) -> T:
    """``compute()``, kept while ``name``'s token stays the same (:data:`TTL` at most):
    in this process, and in the shared cache for the other processes.

    For small values read on many pages (no one's personal data: the shared
    cache is outside the database's encryption). While nothing changed it
    costs the token read only.
    """
    current = token(name)
    held = _held.get(key)
    if held is not None and held[0] == current and time.time() < held[2]:
        return held[1]
    shared_key = f"{key}:{current}"
    value = quiet_get(shared_key)
    if value is None:
        value = compute()
        quiet_set(shared_key, value, TTL)
    _held[key] = (current, value, time.time() + TTL)
    return value


def bump(name: str) -> None:
    """Give ``name`` a new token now and once more when the transaction commits."""

    def _new() -> None:
        value = uuid.uuid4().hex
        quiet_set(_key(name), value, None)  # down: values made meanwhile live TTL at most
        tokens = _request_tokens.get()
        if tokens is not None:
            tokens[name] = value

    _new()
    transaction.on_commit(_new)


def _request_began(**kwargs) -> None:
    _request_tokens.set({})


def _request_ended(**kwargs) -> None:
    _request_tokens.set(None)


request_started.connect(_request_began, dispatch_uid="generations:request_started")
request_finished.connect(_request_ended, dispatch_uid="generations:request_finished")


def bump_all() -> None:
    """A new token for every watched generation (tests start each from a clean state)."""
    for name in _names:
        cache.set(_key(name), uuid.uuid4().hex, None)


def watch(name: str, *models) -> None:
    """Bump ``name`` whenever a row of one of ``models`` is saved or deleted.

    A many-to-many ``through`` model is watched through ``m2m_changed`` too.
    """
    _names.add(name)

    def changed(sender, **kwargs) -> None:
        if kwargs.get("action", "post_").startswith("post_"):
            bump(name)

    for model in models:
        uid = f"generation:{name}:{model._meta.label_lower}"
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:save")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:delete")
        if model._meta.auto_created:
            m2m_changed.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:m2m")
