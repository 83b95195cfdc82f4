"""Reading a screenshot's pixels without an imaging library: Chromium's PNGs are 8-bit
RGB or RGBA, not interlaced, so zlib and the five PNG row filters are enough."""

import struct
import zlib

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Bytes a pixel takes, by PNG colour type: 2 is RGB, 6 is RGBA.
_BYTES_PER_PIXEL = {2: 3, 6: 4}


def _paeth(left: int, up: int, up_left: int) -> int:
    estimate = left + up - up_left
    distances = (abs(estimate - left), abs(estimate - up), abs(estimate - up_left))
    return (left, up, up_left)[distances.index(min(distances))]


def _predict(kind: int, left: int, up: int, up_left: int) -> int:
    """What a row filter (none, sub, up, average, Paeth) adds back to a byte."""
    if kind == 0:
        return 0
    if kind == 1:
        return left
    if kind == 2:
        return up
    if kind == 3:
        return (left + up) // 2
    return _paeth(left, up, up_left)


def png_rows(data: bytes) -> list[list[tuple[int, int, int]]]:
    """The image's rows, top first, each a list of (red, green, blue) pixels."""
    assert data.startswith(_SIGNATURE), "not a PNG"
    offset, header, compressed = len(_SIGNATURE), None, b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed += body
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in _BYTES_PER_PIXEL and not interlace, header
    step = _BYTES_PER_PIXEL[colour]
    stride = width * step
    raw = zlib.decompress(compressed)
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up_left = previous[i - step] if i >= step else 0
            line[i] = (line[i] + _predict(kind, left, previous[i], up_left)) & 0xFF
        rows.append([tuple(line[x : x + 3]) for x in range(0, stride, step)])
        previous = line
    return rows


def mean_level(data: bytes) -> float:
    """The mean of every channel of every pixel: 255 white, 0 black."""
    pixels = [channel for row in png_rows(data) for pixel in row for channel in pixel]
    return sum(pixels) / len(pixels)
