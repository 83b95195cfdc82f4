"""HTTP connections whose timeout bounds the whole call, not each read of the socket.

``http.client`` applies its timeout to every single ``recv``: a server that
sends its status line, headers or body one byte at a time, each byte within
the timeout, holds the caller for as long as it likes. These connections give
each call one deadline, from connecting to the last byte read: every read
waits only for what is left of it, and past it raises ``TimeoutError``. Used
by the portal's outgoing calls to systems a client or a partner controls
(API callbacks, connector calls).
"""

from __future__ import annotations

import http.client
import io
import time


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
