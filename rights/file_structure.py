"""Is a file what its first bytes say? A check of each sent type's structure.

``filetype`` names a type from a file's first bytes only, so ``%PDF`` followed by an
HTML page passed as a PDF. :func:`is_whole` walks the structure the type's
specification gives, without decoding it (no image or PDF library: parsing a hostile
file in the web process is what a library's own bugs make dangerous, and the portal
only stores and serves these files):

* PDF (ISO 32000-1 §7.5.5): the file ends with ``startxref``, the offset of its
  cross-reference section (a table, or a stream object) inside the file, and ``%%EOF``;
* PNG (RFC 2083 §3): chunks from ``IHDR`` to ``IEND``, each whole with its CRC;
* JPEG (ITU T.81 Annex B): segments from SOI through a frame header to a scan, and an
  end-of-image marker after it;
* HEIC (ISO/IEC 14496-12 §4.2): boxes that fill the file exactly, ``ftyp`` first, and
  a ``meta`` box.

None of them may hold an HTML page: a browser or viewer that guesses a type from the
contents could run it.
"""

from __future__ import annotations

import re
import struct
import zlib

# Marks of an HTML page; a scan, a photo or a PDF's compressed streams hold none of them
# by chance.
_HTML = re.compile(rb"<(?:!doctype\s+html|html|head|body|script|iframe|object|embed)[\s>/]", re.I)
# Read in pieces of this size, overlapping by the longest mark, to keep memory flat.
_PIECE = 64 * 1024
_OVERLAP = 16
# Where a PDF's ``startxref`` must be: within its last kilobyte (readers look no further).
_PDF_TAIL = 1024
_PDF_END = re.compile(rb"startxref\s+(\d+)\s+%%EOF[\r\n\x00\s]*\Z")
_PDF_XREF = re.compile(rb"\s*(?:xref\b|\d+\s+\d+\s+obj\b)")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG markers without a length: TEM and the restart markers.
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}
# Frame headers (SOF0-SOF15 without DHT, JPG and DAC).
_JPEG_FRAMES = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _size(file) -> int:
    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    return size


def holds_html(file) -> bool:
    """Whether ``file`` holds an HTML tag anywhere."""
    file.seek(0)
    carried = b""
    while piece := file.read(_PIECE):
        if _HTML.search(carried + piece):
            return True
        carried = piece[-_OVERLAP:]
    return False


def _pdf_whole(file, size: int) -> bool:
    file.seek(max(size - _PDF_TAIL, 0))
    end = _PDF_END.search(file.read())
    if end is None or int(end.group(1)) >= size:
        return False
    file.seek(int(end.group(1)))
    return _PDF_XREF.match(file.read(64)) is not None


def _png_whole(file, size: int) -> bool:
    file.seek(0)
    if file.read(8) != _PNG_SIGNATURE:
        return False
    first = True
    while True:
        head = file.read(8)
        if len(head) < 8:
            return False
        length, kind = struct.unpack(">I4s", head)
        if (first and kind != b"IHDR") or length > size:
            return False
        data = file.read(length)
        crc = file.read(4)
        if len(data) < length or len(crc) < 4:
            return False
        if zlib.crc32(kind + data) != struct.unpack(">I", crc)[0]:
            return False
        if kind == b"IEND":
            return True
        first = False


def _jpeg_whole(file, size: int) -> bool:
    file.seek(0)
    if file.read(2) != b"\xff\xd8":
        return False
    framed = False
    while True:
        marker = file.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return False
        code = marker[1]
        while code == 0xFF:  # fill bytes before a marker
            code = (file.read(1) or b"\x00")[0]
        if code in _JPEG_STANDALONE:
            continue
        if code in (0xD8, 0xD9, 0x00):
            return False
        length = file.read(2)
        if len(length) < 2 or struct.unpack(">H", length)[0] < 2:
            return False
        end = file.tell() + struct.unpack(">H", length)[0] - 2
        if end > size:
            return False
        framed = framed or code in _JPEG_FRAMES
        file.seek(end)
        if code == 0xDA:  # start of scan: the entropy-coded data, then the end marker
            return framed and _ends_image(file)


def _ends_image(file) -> bool:
    carried = b""
    while piece := file.read(_PIECE):
        if b"\xff\xd9" in carried + piece:
            return True
        carried = piece[-1:]
    return False


def _heic_whole(file, size: int) -> bool:
    file.seek(0)
    position, kinds = 0, []
    while position < size:
        head = file.read(8)
        if len(head) < 8:
            return False
        length, kind = struct.unpack(">I4s", head)
        if length == 1:  # a 64-bit size follows
            large = file.read(8)
            if len(large) < 8:
                return False
            length = struct.unpack(">Q", large)[0]
        elif length == 0:  # the box runs to the end of the file
            length = size - position
        if length < 8 or position + length > size or not kind.isalnum():
            return False
        kinds.append(kind)
        position += length
        file.seek(position)
    return kinds[:1] == [b"ftyp"] and b"meta" in kinds


_WHOLE = {
    "application/pdf": _pdf_whole,
    "image/png": _png_whole,
    "image/jpeg": _jpeg_whole,
    "image/heic": _heic_whole,
}


def is_whole(file, mime: str) -> bool:
    """Whether ``file`` (read from its start, left at its start) has the structure of a
    ``mime`` file and holds no HTML page."""
    size = _size(file)
    try:
        whole = _WHOLE[mime](file, size) and not holds_html(file)
    finally:
        file.seek(0)
    return whole
