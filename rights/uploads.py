"""Files people send: checked by their bytes, stored encrypted under random names, served
back safely.

* :func:`check_upload` finds a file's real type from its first bytes, and checks that
  the rest of it has that type's structure (:mod:`rights.file_structure`);
* :func:`stored_path` is the random path a file is kept under (never the sender's name);
* :func:`clean_name` is the sender's file name cut and cleaned, kept as metadata only;
* :func:`sealed` encrypts a file before it reaches the storage, with the streaming
  scheme of disclosure packages (:mod:`rights.disclosure.crypto`): whatever Django
  storage ``storages["private"]`` is (a folder, a bucket) only ever holds ciphertext;
* :func:`download_response` decrypts a stored file chunk by chunk and serves it with
  the type found at upload.
"""

from __future__ import annotations

import io
import posixpath
import re
import shutil
import tempfile
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .disclosure import crypto
from .file_structure import is_whole

# What people send as evidence or documents: scans and photos, and PDFs.
ALLOWED_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/heic": ".heic",
}
# Other extensions that name the same types (a download keeps the sender's own).
_SAME_TYPE = {"image/jpeg": (".jpeg", ".jpe")}
# Names Windows refuses for a file, whatever the extension.
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
_WINDOWS_RESERVED |= {f"{port}{n}" for port in ("COM", "LPT") for n in "123456789¹²³"}
# Characters no file name needs: path separators and what Windows refuses.
_UNSAFE_CHARACTERS = re.compile(r'[/\\:*?"<>|]')
_LONGEST_EXTENSION = 10


def _upload_hint() -> str:
    return _("PDF, JPEG, PNG or HEIC, at most %(limit)s.") % {
        "limit": filesizeformat(settings.RIGHTS_UPLOAD_MAX_BYTES)
    }


def _with_upload_hint(text) -> str:
    separator = "" if (get_language() or "").startswith("ja") else " "
    return f"{text}{separator}{_upload_hint()}"


#: The help text of a file field: the types :func:`check_upload` takes and its limit;
#: :func:`with_upload_hint` puts it after a help text of the field's own.
upload_hint = lazy(_upload_hint, str)
with_upload_hint = lazy(_with_upload_hint, str)


def check_upload(uploaded) -> str:
    """Return the file's real MIME type, or raise ValidationError.

    The type is read from the first bytes (``filetype``), so an HTML page
    renamed to ``.pdf`` is refused; then the whole file must have that type's
    structure and hold no HTML page (:func:`rights.file_structure.is_whole`), so
    ``%PDF`` followed by a page is refused too. The size limit is
    ``RIGHTS_UPLOAD_MAX_BYTES``.
    """
    limit = settings.RIGHTS_UPLOAD_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            _("The file is too large (at most %(limit)s).") % {"limit": filesizeformat(limit)},
            code="too_large",
        )
    if uploaded.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    head = uploaded.read(262)
    uploaded.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationError(_("Only PDF, JPEG, PNG or HEIC files can be sent."), code="file_type")
    if not is_whole(uploaded, kind.mime):
        raise ValidationError(
            _(
                "This file cannot be read as a PDF, JPEG, PNG or HEIC file: it may be damaged "
                "or be another kind of file. Please save or scan it again and send the new file."
            ),
            code="damaged",
        )
    return kind.mime


def stored_path(folder: str, content_type: str) -> str:
    """A new random path under ``folder`` for a file of ``content_type``.

    The extension is the one of the type found in the bytes (``.bin`` for any
    other), so neither the sender's name nor their extension reaches the disk.
    """
    return posixpath.join(folder, uuid.uuid4().hex + ALLOWED_TYPES.get(content_type, ".bin"))


def clean_name(name, *, max_length: int, fallback: str = "file") -> str:
    """The sender's file ``name`` made safe to keep and show, at most ``max_length``.

    Only the last part of a path is kept; control and invisible formatting
    characters (NUL, right-to-left overrides), path separators and characters
    Windows refuses are removed, as are leading dots; a name Windows reserves
    (``CON``, ``NUL.pdf``...) gets a ``_`` in front. A long name is cut before its
    extension. Letters of any script (Japanese included) are kept.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if unicodedata.category(c)[0] == "Z" else c
        for c in name
        if unicodedata.category(c)[0] != "C"
    )
    name = _UNSAFE_CHARACTERS.sub("", name)
    name = " ".join(name.split()).lstrip(". ").rstrip(". ")
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > _LONGEST_EXTENSION or not extension.isalnum():
        stem, extension = name, ""
    if stem.split(".", 1)[0].rstrip(" ").upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    extension = f".{extension}" if extension else ""
    stem = stem[: max(max_length - len(extension), 1)].rstrip(". ") or fallback
    return (stem + extension)[:max_length]


def download_name(name: str, content_type: str, *, fallback: str) -> str:
    """The name a download is saved under: the kept name, ending in its real type's
    extension (``page.html`` holding a PDF is saved as ``page.html.pdf``)."""
    name = clean_name(name, max_length=200, fallback=fallback)
    extension = ALLOWED_TYPES.get(content_type)
    if extension is None:
        return name
    if not name.lower().endswith((extension, *_SAME_TYPE.get(content_type, ()))):
        name += extension
    return name


@contextmanager
def sealed(uploaded) -> Iterator[File]:
    """``uploaded`` encrypted, as a File to give a FileField (or ``storage.save``).

    The ciphertext is written to an unnamed temporary file, so memory stays at a
    few chunks whatever the size; the storage receives only ciphertext.
    """
    with tempfile.TemporaryFile() as target:
        uploaded.seek(0)
        crypto.encrypt_stream(uploaded, target)
        target.seek(0)
        yield File(target, name=posixpath.basename(uploaded.name or "file"))


class _Decrypted(io.RawIOBase):
    """A stored file read back as its plaintext, one chunk in memory at a time."""

    def __init__(self, source):
        self._source = source
        # The header is checked now, so a file that cannot be opened fails before a
        # response starts.
        self._chunks = crypto.decrypt_chunks(source, opened=crypto.read_header(source))
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self):
        self._source.close()
        super().close()


def open_plain(file) -> io.RawIOBase:
    """The plaintext of a stored, encrypted file (raises crypto.PackageDecryptionError)."""
    source = file.open("rb")
    try:
        return _Decrypted(source)
    except BaseException:
        source.close()
        raise


def stored_type(file, *, clear: bool = False) -> str:
    """The MIME type of a stored file, read from the first bytes of its plaintext (for
    files whose type was not recorded at upload); ``clear``: stored unencrypted."""
    with file.open("rb") if clear else open_plain(file) as plain:
        kind = filetype.guess(plain.read(262))
    return kind.mime if kind is not None else "application/octet-stream"


def stored_key(storage, name: str) -> bytes | None:
    """The id of the key a stored file is encrypted with; None for a file stored in clear
    (before files were encrypted)."""
    with storage.open(name, "rb") as handle:
        header = handle.read(crypto.HEADER_SIZE)
    return header[5:13] if header[:4] == crypto.MAGIC else None


def rewrite_stored(storage, name: str, *, seal: bool = True, new_name: str = "") -> str:
    """Write a stored file anew, under ``new_name`` (by default a new random name in
    its folder); returns the name it was stored under.

    ``seal``: encrypted under the current key, whether it was in clear or under an
    older key; otherwise in clear (migrating back). The old file stays until the
    caller has pointed its row at the new one and deletes it.
    """
    folder, base = posixpath.split(name)
    extension = base[base.find(".") :] if "." in base else ""
    new_name = new_name or posixpath.join(folder, uuid.uuid4().hex + extension)
    with tempfile.TemporaryFile() as plain, tempfile.TemporaryFile() as target:
        with storage.open(name, "rb") as source:
            in_clear = source.read(len(crypto.MAGIC)) != crypto.MAGIC
            source.seek(0)
            if in_clear:
                shutil.copyfileobj(source, plain)
            else:
                for chunk in crypto.decrypt_chunks(source):
                    plain.write(chunk)
        plain.seek(0)
        if seal:
            crypto.encrypt_stream(plain, target)
        else:
            shutil.copyfileobj(plain, target)
        target.seek(0)
        return storage.save(new_name, File(target))


def download_response(
    file, *, name: str, content_type: str, inline: bool = False, clear: bool = False
):
    """A stored file of personal data as a response.

    The file is decrypted as it is sent. The type is the one found in the
    bytes at upload (never guessed from a name; an unknown one is served as
    bytes), the browser is told not to sniff
    another, not to keep a copy, and to treat the file as a sandboxed document
    that can never run as a page of the site. ``inline`` shows it in the
    browser (staff); otherwise it is saved under its cleaned name (RFC 5987
    ``filename*`` for names beyond ASCII). ``clear``: a file stored before files of
    its kind were encrypted (``rotate_file_keys`` encrypts it), sent as it is.
    """
    if content_type not in ALLOWED_TYPES:
        content_type = "application/octet-stream"
    response = FileResponse(
        file.open("rb") if clear else open_plain(file),
        as_attachment=not inline,
        filename=download_name(name, content_type, fallback="file"),
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    return response
