"""HTTP connections whose timeout bounds the whole call, not each read of the socket.

``http.client`` applies its timeout to every single ``recv``: a server that
sends its status line, headers or body one byte at a time, each byte within
the timeout, holds the caller for as long as it likes. These connections give
each call one deadline, from connecting to the last byte read: every read
waits only for what is left of it, and past it raises ``TimeoutError``. Used
by the portal's outgoing calls to systems a client or a partner controls
(API callbacks, connector calls).

A deadline does not bound the size of an answer: a body arriving fast enough
can be gigabytes long. A caller that reads a body reads it with
:func:`read_at_most`, which holds no more than the caller's limit. (API
callbacks read none: the status line says all they need.)
"""

from __future__ import annotations

import http.client
import io
import time

#: Bytes asked of the socket at a time while a body is read within a limit.
READ_PIECE = 64 * 1024


class AnswerTooLarge(Exception):
    """An answer's body is longer than ``limit`` bytes; what was read of it is dropped."""

    def __init__(self, limit: int):
        super().__init__(f"The answer is longer than {limit} bytes.")
        self.limit = limit


def read_at_most(response: http.client.HTTPResponse, limit: int) -> bytes:
    """``response``'s whole body, or :class:`AnswerTooLarge` once it passes ``limit`` bytes.

    A ``Content-Length`` over the limit fails before a byte of the body is read
    (``HTTPResponse.read()`` would set aside the announced length at once). A
    chunked body, or one that runs until the connection closes, is read a piece
    at a time and fails the moment it passes the limit, so the caller never holds
    more than ``limit`` + 1 bytes of it, however much the other side sends.
    Either way the response is closed then, and its connection with it: an
    answer that ends with the connection (no length, not chunked) would
    otherwise keep it open as long as the caller keeps the exception.
    """
    if response.length is not None and response.length > limit:
        response.close()
        raise AnswerTooLarge(limit)
    body = bytearray()
    while True:
        piece = response.read(min(READ_PIECE, limit + 1 - len(body)))
        if not piece:
            return bytes(body)
        body += piece
        if len(body) > limit:
            response.close()
            raise AnswerTooLarge(limit)


class _DeadlineReader(io.RawIOBase):
    """The socket's bytes, each read waiting only until the deadline."""

    def __init__(self, owner: _DeadlineSocket):
        super().__init__()
        self._owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        sock = self._owner.sock
        sock.settimeout(self._owner.left())
        return sock.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            super().close()
            self._owner.reader_closed()


class _DeadlineSocket:
    """A connected socket (plain or TLS) that refuses to wait past ``deadline``.

    Like a socket's own files, a reader made by :meth:`makefile` keeps the
    socket open until it is closed too: ``http.client`` closes the connection
    as soon as an answer without keep-alive begins, and reads its body after.
    """

    def __init__(self, sock, deadline: float):
        self.sock = sock
        self._deadline = deadline
        self._readers = 0
        self._closed = False

    def left(self) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out")
        return remaining

    def makefile(self, mode: str = "rb", *args, **kwargs):
        self._readers += 1
        return io.BufferedReader(_DeadlineReader(self))

    def sendall(self, data) -> None:
        self.sock.settimeout(self.left())
        self.sock.sendall(data)

    def reader_closed(self) -> None:
        self._readers -= 1
        if self._closed and not self._readers:
            self.sock.close()

    def close(self) -> None:
        self._closed = True
        if not self._readers:
            self.sock.close()

    def __getattr__(self, name):
        return getattr(self.sock, name)


class _Deadline:
    def connect(self):
        deadline = time.monotonic() + self.timeout
        super().connect()
        self.sock = _DeadlineSocket(self.sock, deadline)


class DeadlineHTTPConnection(_Deadline, http.client.HTTPConnection):
    """Plain HTTP; ``timeout`` (seconds, required) bounds the whole call."""


class DeadlineHTTPSConnection(_Deadline, http.client.HTTPSConnection):
    """HTTPS (the certificate checked as ``HTTPSConnection`` does); ``timeout``
    (seconds, required) bounds the whole call."""
