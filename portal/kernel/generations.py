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
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

#: Seconds a value cached under a generation token lives at most.
TTL = 600

_names: set[str] = set()


def _key(name: str) -> str:
    return f"generation:{name}"


def token(name: str) -> str:
    """The current token of ``name`` (one cache read; a new one if none is stored)."""
    value = cache.get(_key(name))
    if value is None:
        cache.add(_key(name), uuid.uuid4().hex, None)
        value = cache.get(_key(name)) or ""
    return value


def bump(name: str) -> None:
    """Give ``name`` a new token now and once more when the transaction commits."""

    def _new() -> None:
        cache.set(_key(name), uuid.uuid4().hex, None)

    _new()
    transaction.on_commit(_new)


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
