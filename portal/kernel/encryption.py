"""Encryption at rest of the most sensitive profile values, and their search keys.

Values (date of birth, phone, postal code, address...) are encrypted with
AES-256-GCM-SIV from ``cryptography`` (authenticated, a random 96-bit nonce per
value; GCM-SIV stays safe if a random nonce ever repeats, which matters for
tables of hundreds of millions of values) under ``FIELD_ENCRYPTION_KEYS``: a
comma-separated list of keys in Fernet's format (32 random bytes, url-safe
base64), each turned into its AES key by HKDF-SHA256. The first encrypts and
all decrypt, so a new key is put first and ``manage.py rotate_field_keys``
re-encrypts every row under it before the old one is removed. The empty
string and NULL are stored as they are, so "is it filled in" stays
answerable; everything else is a token that says nothing about the value,
and equal values give different tokens.

A token is ``"fe2:"`` and the url-safe base64 of nonce, ciphertext and tag.
Values written before (Fernet tokens: AES-128-CBC with an HMAC-SHA256 tag,
"gAAAAA...") are still read, and ``rotate_field_keys`` rewrites them in the
current form; they cost about five times as much to decrypt, which shows in
a disclosure package of a million records.

Searching uses a keyed hash (HMAC-SHA256 under ``FIELD_HASH_KEY``) of the
normalised value in a column of its own: the staff's lookup by phone number
or date of birth compares hashes. The hash is per purpose (``context``), so
the same digits in two columns do not give the same hash. Changing the hash
key means running ``rotate_field_keys`` too, which recomputes every hash.

The derived values that are not search keys (the prefecture of an address,
the year of birth) and the reading of typed dates live in
``portal.kernel.prefectures`` and ``portal.kernel.dates``.

Without keys, the embedded default (``DEBUG`` on) derives development keys from
``SECRET_KEY`` (portal/settings.py); with ``DEBUG`` off no process starts
without them (PortalConfig.ready calls :func:`check_keys`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver

from . import keyhints

# The current token: the prefix, then url-safe base64 of a 12-byte nonce, the
# ciphertext (at least one byte: "" is never encrypted) and a 16-byte tag.
PREFIX = "fe2:"
_NONCE = 12
_TOKEN = re.compile(r"fe2:[A-Za-z0-9_\-]+={0,2}")
_TOKEN_MIN_LENGTH = len(PREFIX) + 40
# A Fernet token (written before) is url-safe base64 of a version byte 0x80, a
# timestamp, an IV, at least one cipher block and a 32-byte tag (73 bytes or
# more): it starts "gAAAAA" and has at least 100 characters.
_FERNET_TOKEN = re.compile(r"gAAAAA[A-Za-z0-9_\-]+={0,2}")
_FERNET_MIN_LENGTH = 100
_KEY_INFO = b"rights-portal field encryption: AES-256-GCM-SIV"


class FieldDecryptionError(Exception):
    """A stored value is a token that none of the configured keys opens."""


def _encryption_keys() -> list[str]:
    keys = [k.strip() for k in settings.FIELD_ENCRYPTION_KEYS if k.strip()]
    if not keys:
        raise ImproperlyConfigured(
            keyhints.required("FIELD_ENCRYPTION_KEYS", "a Fernet key", keyhints.FERNET_KEY)
        )
    return keys


@cache
def _fernets() -> MultiFernet:
    """All keys, to read tokens written before the current form."""
    try:
        return MultiFernet([Fernet(key) for key in _encryption_keys()])
    except ValueError as error:
        raise ImproperlyConfigured(keyhints.bad_fernet_keys()) from error


@cache
def _ciphers() -> tuple[AESGCMSIV, ...]:
    """An AES-256-GCM-SIV cipher per key, newest first."""
    _fernets()  # the keys' format, with its message
    return tuple(
        AESGCMSIV(
            HKDF(algorithm=SHA256(), length=32, salt=None, info=_KEY_INFO).derive(
                base64.urlsafe_b64decode(key)
            )
        )
        for key in _encryption_keys()
    )


@cache
def _hash_key() -> bytes:
    key = settings.FIELD_HASH_KEY
    if not key:
        raise ImproperlyConfigured(
            keyhints.required(
                "FIELD_HASH_KEY", "at least 32 random characters", keyhints.RANDOM_SECRET
            )
        )
    if len(key) < keyhints.MIN_SECRET_LENGTH:
        raise ImproperlyConfigured(keyhints.too_short("FIELD_HASH_KEY"))
    return key.encode()


@receiver(setting_changed)
def _forget_keys(*, setting, **kwargs):
    if setting in {"FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY"}:
        _fernets.cache_clear()
        _ciphers.cache_clear()
        _hash_key.cache_clear()


def check_keys() -> None:
    """Raise ImproperlyConfigured now if the keys are missing or malformed."""
    _ciphers()
    _hash_key()


def looks_like_token(value: str) -> bool:
    """Whether a stored value is a token (of the current form or a Fernet one)."""
    if value.startswith(PREFIX):
        return len(value) >= _TOKEN_MIN_LENGTH and bool(_TOKEN.fullmatch(value))
    return len(value) >= _FERNET_MIN_LENGTH and bool(_FERNET_TOKEN.fullmatch(value))


def encrypt(text: str) -> str:
    """A token for ``text``; "" stays "" (NULL is handled by the field)."""
    if text == "":
        return ""
    nonce = os.urandom(_NONCE)
    sealed = _ciphers()[0].encrypt(nonce, text.encode(), None)
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


#: url-safe base64 to standard base64, for binascii (base64.urlsafe_b64decode
#: does the same through three Python calls: a quarter of opening a token).
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _open(token: str, ciphers) -> str | None:
    """The text of a current-form token under one of ``ciphers``, or None."""
    try:
        raw = binascii.a2b_base64(token[len(PREFIX) :].encode("ascii").translate(_FROM_URLSAFE))
    except (binascii.Error, ValueError):  # UnicodeEncodeError is a ValueError
        return None
    nonce, sealed = raw[:_NONCE], raw[_NONCE:]
    for cipher in ciphers:
        try:
            return cipher.decrypt(nonce, sealed, None).decode()
        except (InvalidTag, ValueError):
            continue
    return None


def encrypt_bytes(data: bytes) -> bytes:
    """``data`` sealed under the newest key: nonce, ciphertext and tag (for caches)."""
    nonce = os.urandom(_NONCE)
    return nonce + _ciphers()[0].encrypt(nonce, data, None)


def decrypt_bytes(sealed: bytes) -> bytes:
    """What :func:`encrypt_bytes` sealed; FieldDecryptionError when no key opens it."""
    for cipher in _ciphers():
        try:
            return cipher.decrypt(sealed[:_NONCE], sealed[_NONCE:], None)
        except (InvalidTag, ValueError):
            continue
    raise FieldDecryptionError(
        "Sealed bytes could not be opened with any of FIELD_ENCRYPTION_KEYS."
    )


def decrypt(token: str) -> str:
    if token == "":
        return ""
    if token.startswith(PREFIX):
        text = _open(token, _ciphers())
        if text is not None:
            return text
    else:
        try:
            return _fernets().decrypt(token.encode("ascii")).decode()
        except (InvalidToken, UnicodeEncodeError):
            pass
    raise FieldDecryptionError(
        "A stored value could not be decrypted with any of FIELD_ENCRYPTION_KEYS."
    )


def is_current(token: str) -> bool:
    """Whether the token is of the current form and made with the newest key."""
    return token.startswith(PREFIX) and _open(token, _ciphers()[:1]) is not None


def keyed_hash(context: str, text: str) -> str:
    """HMAC-SHA256 of a normalised value, hex; "" for an empty value."""
    if not text:
        return ""
    message = f"{context}\x00{text}".encode()
    return hmac.new(_hash_key(), message, hashlib.sha256).hexdigest()


# -- what is derived from the encrypted values -------------------------------


def phone_digits(text: str | None) -> str:
    """Digits only, full-width digits folded, +81 (Japan) written as a leading 0."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    digits = "".join(ch for ch in folded if ch in "0123456789")
    if folded.startswith("+81") and digits.startswith("81"):
        digits = digits[2:] if digits[2:].startswith("0") else "0" + digits[2:]
    return digits


def phone_hash(phone: str | None) -> str:
    """The search key of a phone number, however it was written."""
    return keyed_hash("phone", phone_digits(phone))


def date_hash(day: dt.date | None) -> str:
    """The search key of a date of birth."""
    return keyed_hash("date_of_birth", day.isoformat() if day else "")


# -- re-encrypting stored rows ------------------------------------------------


@dataclass(frozen=True)
class Derived:
    """A column computed from an encrypted one: ``column = compute(source value)``."""

    column: str
    source: str
    compute: Callable


@dataclass(frozen=True)
class TableSpec:
    """The encrypted columns of a table (name → "text", "date" or "json") and what derives
    from them."""

    table: str
    pk: str
    columns: dict[str, str]
    derived: tuple[Derived, ...] = field(default=())


@dataclass
class Progress:
    rows: int = 0
    changed: int = 0


def _plain(raw, kind: str):
    """(python value, what to store) of one stored value, encrypting plaintext.

    ``kind`` is "text", "date" or "json"; the empty value ("", NULL, and for
    JSON the empty document) is stored as "" or NULL, never as a token.
    """
    if raw is None:
        return None, None
    if raw == "":
        return {"text": "", "date": None, "json": {}}[kind], ""
    if looks_like_token(raw):
        text = decrypt(raw)
        stored = raw if is_current(raw) else encrypt(text)
    else:  # stored before encryption (the column is text by then: an ISO date, JSON)
        text = raw
        stored = None
    if kind == "date":
        value = dt.date.fromisoformat(text)
    elif kind == "json":
        value = json.loads(text)
        if value == {}:
            return value, ""
    else:
        value = text
    return value, stored or encrypt(text)


def _batches(connection, spec: TableSpec, columns: list[str], batch_size: int):
    """(cursor, rows) per batch of the table by primary key, each in its own transaction.

    Each row is (pk, *columns); the cursor is open inside the batch's transaction.
    The rows are locked (``FOR UPDATE`` where the database has it) until the batch
    commits: a value saved meanwhile by the portal waits for the batch and is
    then written over the re-encrypted one, instead of being overwritten by the
    value the batch had read.
    """
    quote = connection.ops.quote_name
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    selected = ", ".join(quote(c) for c in [spec.pk, *columns])
    table, pk = quote(spec.table), quote(spec.pk)
    last = None
    while True:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            after = "" if last is None else f"WHERE {pk} > %s "
            cursor.execute(
                f"SELECT {selected} FROM {table} {after}ORDER BY {pk} LIMIT %s{lock}",
                [batch_size] if last is None else [last, batch_size],
            )
            rows = cursor.fetchall()
            yield cursor, rows
        if len(rows) < batch_size:
            return
        last = rows[-1][0]


def _update_statement(connection, spec: TableSpec, columns: list[str]) -> str:
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
    return f"UPDATE {quote(spec.table)} SET {assignments} WHERE {quote(spec.pk)} = %s"


def reencrypt_table(
    connection,
    spec: TableSpec,
    *,
    batch_size: int = 500,
    on_batch: Callable[[Progress], None] | None = None,
) -> Progress:
    """Bring every row of a table to the newest key and the current hashes.

    Plaintext (rows written before encryption) is encrypted, tokens of older
    keys are re-encrypted, and derived columns are recomputed. Works in short
    transactions by primary key; a run that stops half-way is simply run
    again, and rows already current are left untouched. ``on_batch`` is called
    with the counts so far after each batch.
    """
    columns = [*spec.columns, *(d.column for d in spec.derived)]
    update = _update_statement(connection, spec, columns)
    progress = Progress()
    for cursor, rows in _batches(connection, spec, columns, batch_size):
        for pk, *stored_values in rows:
            stored = dict(zip(columns, stored_values, strict=True))
            new, values = {}, {}
            for column, kind in spec.columns.items():
                values[column], new[column] = _plain(stored[column], kind)
            for derived in spec.derived:
                new[derived.column] = derived.compute(values[derived.source])
            if any(new[c] != stored[c] for c in columns):
                cursor.execute(update, [*(new[c] for c in columns), pk])
                progress.changed += 1
        progress.rows += len(rows)
        if on_batch is not None:
            on_batch(progress)
    return progress


def decrypt_table(connection, spec: TableSpec, *, batch_size: int = 500) -> Progress:
    """Write the plaintext back into the encrypted columns (to migrate backwards)."""
    columns = list(spec.columns)
    update = _update_statement(connection, spec, columns)
    progress = Progress()
    for cursor, rows in _batches(connection, spec, columns, batch_size):
        for pk, *stored in rows:
            plain = []
            for value, kind in zip(stored, spec.columns.values(), strict=True):
                if value and looks_like_token(value):
                    value = decrypt(value)
                elif value == "" and kind == "json":
                    value = "{}"
                plain.append(value)
            if plain != stored:
                cursor.execute(update, [*plain, pk])
                progress.changed += 1
        progress.rows += len(rows)
    return progress


def migration_operation(*specs: TableSpec):
    """A RunPython that encrypts tables' stored plaintext (and decrypts it going back).

    Put it in a migration of its own with ``atomic = False``: each batch then
    commits on its own, and a run that stopped half-way resumes when
    ``migrate`` runs again.
    """
    from django.db import migrations

    def forwards(apps, schema_editor):
        for spec in specs:
            reencrypt_table(schema_editor.connection, spec)

    def backwards(apps, schema_editor):
        for spec in specs:
            decrypt_table(schema_editor.connection, spec)

    return migrations.RunPython(forwards, backwards, elidable=False)
