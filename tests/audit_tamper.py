"""Changing the audit table the way a database superuser could, for the tampering tests."""

import hashlib
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction

TABLE = "portal_auditevent"


def as_superuser(*statements) -> None:
    """Run raw SQL ``(sql, params)`` statements past the append-only triggers.

    On PostgreSQL as a superuser can: with triggers off for the session
    (``session_replication_role = replica``, local to this transaction).
    SQLite has no triggers on the table; the raw SQL alone passes the ORM.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def assert_triggers_refuse(*statements: str, refusal: str = "Cannot") -> None:
    """Each raw SQL statement, run in its own savepoint, is refused by an append-only
    table's PostgreSQL trigger (django-pgtrigger's "pgtrigger: Cannot ..." error)."""
    for sql in statements:
        refused = pytest.raises(DatabaseError, match=f"pgtrigger: {refusal}")
        with refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


def unkeyed_hash(row: dict) -> str:
    """The hash anyone can compute: SHA-256 of a row's content (the chain's hash before it was
    keyed), as a forger without the key would."""
    payload = json.dumps(
        {
            "created_at": row["created_at"].isoformat(),
            "actor": row["actor_id"],
            "action": row["action"],
            "target": row["target"],
            "subject": row["subject_id"],
            "ip": row["ip_address"],
            "details": row["details"],
            "prev": row["prev_hash"],
        },
        sort_keys=True,
        ensure_ascii=False,
        cls=DjangoJSONEncoder,
    )
    return hashlib.sha256(payload.encode()).hexdigest()
