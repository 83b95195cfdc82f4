"""Encryption at rest of disclosure packages: streamed, authenticated, key rotation."""

import io
import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from rights.disclosure import crypto

KEY_A = crypto.generate_key()
KEY_B = crypto.generate_key()


@pytest.fixture(autouse=True)
def _key(settings):
    settings.DISCLOSURE_ENCRYPTION_KEY = [KEY_A]


def _seal(data: bytes, chunk_size=1024) -> bytes:
    target = io.BytesIO()
    sealed = crypto.encrypt_stream(io.BytesIO(data), target, chunk_size=chunk_size)
    assert sealed.size == len(data)
    return target.getvalue()


def _open(blob: bytes) -> bytes:
    return b"".join(crypto.decrypt_chunks(io.BytesIO(blob)))


@pytest.mark.parametrize("size", [0, 1, 1023, 1024, 1025, 10 * 1024 + 7])
def test_round_trip_in_chunks(size):
    data = os.urandom(size)
    blob = _seal(data)
    assert _open(blob) == data
    if size >= 16:  # a shorter random string may occur in any ciphertext by chance
        assert data[:64] not in blob


def test_plaintext_does_not_appear_and_chunks_are_bounded():
    data = b"Hanako Sato 03-5555-0123 " * 2000
    blob = _seal(data)
    assert b"Hanako" not in blob
    chunks = list(crypto.decrypt_chunks(io.BytesIO(blob)))
    assert max(len(c) for c in chunks) == 1024


def test_tampering_is_detected():
    blob = bytearray(_seal(os.urandom(5000)))
    blob[crypto.HEADER_SIZE + 10] ^= 1
    with pytest.raises(crypto.PackageDecryptionError):
        _open(bytes(blob))


def test_a_cut_off_file_is_detected():
    """Dropping the last frame leaves a valid-looking prefix; the missing final flag fails."""
    data = os.urandom(3000)
    blob = _seal(data)
    # Frames of 1024 bytes: header, then (4 + 1024 + 16) per full chunk.
    two_frames = crypto.HEADER_SIZE + 2 * (4 + 1024 + 16)
    with pytest.raises(crypto.PackageDecryptionError):
        _open(blob[:two_frames])
    with pytest.raises(crypto.PackageDecryptionError):
        _open(blob[: crypto.HEADER_SIZE])


def test_frames_cannot_be_reordered():
    blob = _seal(os.urandom(2048 + 10))
    frame = 4 + 1024 + 16
    head, first, second, rest = (
        blob[: crypto.HEADER_SIZE],
        blob[crypto.HEADER_SIZE : crypto.HEADER_SIZE + frame],
        blob[crypto.HEADER_SIZE + frame : crypto.HEADER_SIZE + 2 * frame],
        blob[crypto.HEADER_SIZE + 2 * frame :],
    )
    with pytest.raises(crypto.PackageDecryptionError):
        _open(head + second + first + rest)


def test_rotation_old_key_still_opens_and_a_removed_key_does_not(settings):
    blob = _seal(b"old package")
    settings.DISCLOSURE_ENCRYPTION_KEY = [KEY_B, KEY_A]
    assert _open(blob) == b"old package"
    assert _seal(b"new")[5:13] == crypto.key_id(crypto.master_keys()[0])
    settings.DISCLOSURE_ENCRYPTION_KEY = [KEY_B]
    with pytest.raises(crypto.PackageDecryptionError):
        _open(blob)


def test_production_requires_a_key(settings):
    settings.DISCLOSURE_ENCRYPTION_KEY = []
    settings.DISCLOSURE_DEV_KEY = False
    with pytest.raises(ImproperlyConfigured, match="DISCLOSURE_ENCRYPTION_KEY is required"):
        _seal(b"x")
    settings.DISCLOSURE_DEV_KEY = True
    assert _open(_seal(b"x")) == b"x"


def test_a_malformed_key_is_refused(settings):
    settings.DISCLOSURE_ENCRYPTION_KEY = ["c2hvcnQta2V5"]  # "short-key"
    with pytest.raises(ImproperlyConfigured, match="32 random bytes"):
        _seal(b"x")
