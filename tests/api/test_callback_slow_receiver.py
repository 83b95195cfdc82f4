"""A receiver that answers a byte at a time gets no more than the callback timeout.

docs/api.md, *Callbacks*: "no answer within 10 s is tried again". The timeout
bounds the whole answer, not each read of the socket: a receiver (a client's
callback URL, which the client sets itself) that dribbles its status line and
headers would otherwise hold a worker, and the delivery's row lock, for as long
as it likes. The receiver is a real server on a loopback port.
"""

import socket
import threading
import time

import pytest

from portal.kernel.api import callbacks
from portal.kernel.models import CallbackAttempt, CallbackDelivery

from .filing_support import api_file
from .receiver_support import callback_put

pytestmark = pytest.mark.django_db


class _Dribbler:
    """Reads the POST, then sends its answer's head one byte every 0.3 s (about 15 s)."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hooks"
        self.posts = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection):
        with connection:
            connection.recv(65536)
            self.posts += 1
            head = b"HTTP/1.1 204 No Content\r\nX-Slow: " + b"a" * 50 + b"\r\n\r\n"
            try:
                for byte in head:
                    connection.sendall(bytes([byte]))
                    time.sleep(0.3)
            except OSError:
                pass  # the portal hung up

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.listener.close()


def test_a_receiver_dribbling_its_answer_is_cut_off_at_the_timeout(
    client,
    make_client,
    service_a,
    customer_a,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    settings.API_CALLBACK_ALLOW_LOOPBACK_HTTP = True
    monkeypatch.setattr(callbacks, "TIMEOUT_SECONDS", 1)
    _api_client, headers = make_client(("requests:write", "requests:read"), [service_a])
    with _Dribbler() as dribbler:
        callback_put(client, headers, dribbler.url)
        _file_and_check(client, headers, dribbler, django_capture_on_commit_callbacks)


def _file_and_check(client, headers, dribbler, capture_on_commit):
    with capture_on_commit(execute=True):
        response = api_file(client, headers)

    assert response.status_code == 201, response.content
    assert dribbler.posts == 1
    delivery = CallbackDelivery.objects.get()
    attempt = CallbackAttempt.objects.get(delivery=delivery)
    assert (delivery.state, delivery.attempts, attempt.status_code) == ("pending", 1, None)
    assert "timed out" in attempt.error
    assert attempt.duration_ms < 2000  # the dribbled head would take about 20 s
    assert delivery.next_attempt_at is not None  # tried again later
