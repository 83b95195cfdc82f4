"""A connector call closes its connection on every way it can fail.

A read that timed out used to leave the answer's socket open until garbage
collection: the exception (kept by the task's retry, the log record, the
traceback) holds the response, and the response holds the socket. A worker
calling a slow system then gathered open connections, and the system saw them
hang. Each test's system is a plain socket server on a loopback port that
records whether the portal closed the connection right after the call.
"""

from __future__ import annotations

import socket
import threading

import pytest

from rights.connectors import client

#: How long the server waits for the portal to close the connection after the call.
CLOSE_WAIT_SECONDS = 1.0


class _OneAnswerServer:
    """Accepts one connection, reads the request, sends ``head`` and then nothing."""

    def __init__(self, head: bytes):
        self.head = head
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.answered = threading.Event()
        self.connection = None
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        self.connection, _ = self.listener.accept()
        self.connection.recv(65536)
        self.connection.sendall(self.head)
        self.answered.set()

    def closed_by_the_portal(self) -> bool:
        """Whether the portal's end is closed: reading what is left of the request
        comes to the end of the stream at once."""
        self.connection.settimeout(CLOSE_WAIT_SECONDS)
        try:
            while self.connection.recv(65536):
                pass
        except TimeoutError:
            return False
        except ConnectionResetError:
            # Closed with bytes of the answer still unread at its end: the kernel
            # resets the connection rather than ending it in order.
            return True
        return True

    def stop(self):
        for sock in (self.connection, self.listener):
            if sock is not None:
                sock.close()


def _post(server, limit=1000):
    return client._post(f"http://127.0.0.1:{server.port}/dsr/access", b"{}", {}, 1, limit)


@pytest.mark.parametrize(
    "head",
    [
        # HTTP/1.0, or "Connection: close": http.client hands the socket to the response.
        b"HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\n{",
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{",
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{",
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 100\r\nConnection: close\r\n\r\n",
    ],
)
def test_a_body_that_stops_coming_times_out_and_the_connection_is_closed(head):
    server = _OneAnswerServer(head)
    try:
        with pytest.raises(TimeoutError) as raised:
            _post(server)
        assert server.answered.is_set()
        # The exception is still held here, as a retried task holds it.
        assert raised.value is not None
        assert server.closed_by_the_portal()
    finally:
        server.stop()


def test_a_status_line_that_never_comes_times_out_and_the_connection_is_closed():
    server = _OneAnswerServer(b"")
    try:
        with pytest.raises(TimeoutError):
            _post(server)
        assert server.closed_by_the_portal()
    finally:
        server.stop()


def test_an_answer_over_the_cap_is_refused_and_the_connection_is_closed():
    server = _OneAnswerServer(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n" + b"x" * 100
    )
    try:
        with pytest.raises(client.AnswerTooLarge):
            _post(server, limit=10)
        assert server.closed_by_the_portal()
    finally:
        server.stop()
