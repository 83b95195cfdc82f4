"""Encryption at rest of disclosure packages, streamed chunk by chunk.

A stored package is a header followed by frames::

    header = b"RPDK" | version (1 byte) | key id (8) | salt (16) | chunk size (4)
    frame  = ciphertext length (4, big-endian) | AES-256-GCM ciphertext of one chunk

Each file has its own key, derived with HKDF-SHA256 from the master key and
the file's random salt, so nonces never repeat across files. Chunk ``i`` is
sealed with the nonce ``i`` (11 bytes) followed by a flag byte that is 1 only
for the last chunk, and with the header as associated data (the "STREAM"
construction): frames cannot be reordered, dropped, moved to another file, or
cut off at the end without the decryption failing. Memory stays at about two
chunks whatever the size of the package.

The master keys come from ``DISCLOSURE_ENCRYPTION_KEY`` (comma-separated,
url-safe base64 of 32 random bytes each): the first encrypts, all decrypt, so
a new key can be put first while packages made with the old one expire.
Without a key the embedded default (``DEBUG`` on) derives a development key
from ``SECRET_KEY``; with ``DEBUG`` off no package is built or read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal.kernel import keyhints

MAGIC = b"RPDK"
VERSION = 1
HEADER_SIZE = 4 + 1 + 8 + 16 + 4
# 256 KiB: big enough that the 20 bytes of framing per chunk do not matter,
# small enough that reading and writing hold well under a megabyte.
CHUNK_SIZE = 256 * 1024
TAG_SIZE = 16
_INFO = b"rights-portal disclosure package v1"


class PackageDecryptionError(Exception):
    """The stored bytes are not a package this portal can open (wrong key, damaged, cut)."""


@dataclass(frozen=True)
class Sealed:
    """What encrypting a file produced: the plaintext's size and SHA-256, the key used."""

    size: int
    digest: str
    key_id: str


def _decode_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode() + b"=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as error:
        raise ImproperlyConfigured(
            "DISCLOSURE_ENCRYPTION_KEY holds a value that is not url-safe base64."
        ) from error
    if len(key) != 32:
        raise ImproperlyConfigured(keyhints.bad_disclosure_keys())
    return key


def master_keys() -> list[bytes]:
    """The configured master keys, the encrypting one first.

    Raises ImproperlyConfigured when none is set outside the embedded default.
    """
    configured = [k for k in settings.DISCLOSURE_ENCRYPTION_KEY if k.strip()]
    if configured:
        return [_decode_key(k) for k in configured]
    if settings.DISCLOSURE_DEV_KEY:
        # The embedded default only: a key derived from SECRET_KEY, so `make run` works as is.
        return [
            hashlib.sha256(
                b"rights-portal dev disclosure key|" + settings.SECRET_KEY.encode()
            ).digest()
        ]
    raise ImproperlyConfigured(
        keyhints.required(
            "DISCLOSURE_ENCRYPTION_KEY", keyhints.DISCLOSURE_KEY_WHAT, keyhints.FERNET_KEY
        )
    )


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"rights-portal key id|" + key).digest()[:8]


def _file_key(master: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_INFO).derive(master)
    return AESGCM(derived)


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    parts = []
    while size:
        part = source.read(size)
        if not part:
            break
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def encrypt_stream(source: BinaryIO, target: BinaryIO, *, chunk_size: int = CHUNK_SIZE) -> Sealed:
    """Encrypt ``source`` (read from its current position) into ``target``, chunk by chunk."""

    master = master_keys()[0]
    salt = os.urandom(16)
    header = MAGIC + bytes([VERSION]) + key_id(master) + salt + chunk_size.to_bytes(4, "big")
    aead = _file_key(master, salt)
    digest = hashlib.sha256()
    size = 0
    target.write(header)
    index = 0
    chunk = _read_exactly(source, chunk_size)
    while True:
        following = _read_exactly(source, chunk_size) if len(chunk) == chunk_size else b""
        last = not following
        digest.update(chunk)
        size += len(chunk)
        sealed = aead.encrypt(_nonce(index, last), chunk, header)
        target.write(len(sealed).to_bytes(4, "big"))
        target.write(sealed)
        if last:
            break
        chunk = following
        index += 1
    return Sealed(size=size, digest=digest.hexdigest(), key_id=key_id(master).hex())


def read_header(source: BinaryIO) -> tuple[bytes, AESGCM, int]:
    """Check the header and find the key; returns (header, cipher, chunk size)."""
    header = _read_exactly(source, HEADER_SIZE)
    if len(header) != HEADER_SIZE or header[:4] != MAGIC or header[4] != VERSION:
        raise PackageDecryptionError("not an encrypted disclosure package")
    wanted = header[5:13]
    for master in master_keys():
        if key_id(master) == wanted:
            chunk_size = int.from_bytes(header[29:33], "big")
            return header, _file_key(master, header[13:29]), chunk_size
    raise PackageDecryptionError("encrypted with a key that is no longer configured")


def decrypt_chunks(source: BinaryIO, *, opened: tuple | None = None) -> Iterator[bytes]:
    """Yield the plaintext of a stored package chunk by chunk; raises on any tampering.

    ``opened`` is what :func:`read_header` returned, when the caller checked
    the header before starting a response.
    """
    header, aead, chunk_size = opened or read_header(source)
    limit = chunk_size + TAG_SIZE
    index = 0

    def frame() -> bytes | None:
        prefix = _read_exactly(source, 4)
        if not prefix:
            return None
        length = int.from_bytes(prefix, "big") if len(prefix) == 4 else -1
        if not 0 < length <= limit:
            raise PackageDecryptionError("damaged frame")
        sealed = _read_exactly(source, length)
        if len(sealed) != length:
            raise PackageDecryptionError("the package is cut short")
        return sealed

    current = frame()
    if current is None:
        raise PackageDecryptionError("the package is cut short")
    while current is not None:
        following = frame()
        try:
            yield aead.decrypt(_nonce(index, following is None), current, header)
        except InvalidTag as error:
            raise PackageDecryptionError("the package was altered or cut short") from error
        current = following
        index += 1


def generate_key() -> str:
    """A new master key, in the form DISCLOSURE_ENCRYPTION_KEY takes."""
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()
