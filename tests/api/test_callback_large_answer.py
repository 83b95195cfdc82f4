"""A receiver's answer body is never read: only its status says whether a callback arrived.

A client sets its own callback URL, so whatever answers there may send a huge
or endless body. The portal needs the status line alone (docs/api.md,
*Callbacks*): the attempt is settled by it at once and the worker reads none of
the body, whatever its size. The receiver is a real server on a loopback port
sending a body that never ends, as fast as it is taken.
"""

import pytest

from portal.kernel.api import callbacks
from portal.kernel.models import CallbackAttempt, CallbackDelivery

from .receiver_support import RawReceiver

pytestmark = pytest.mark.django_db


def _endless(status: str):
    """An answer ``status`` whose chunked body never ends, sent as fast as it is taken."""

    def answer(connection):
        connection.sendall(f"HTTP/1.1 {status}\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"
        while True:
            connection.sendall(chunk)

    return answer


@pytest.mark.parametrize(
    "status, state, error",
    [("200 OK", "delivered", ""), ("500 Internal Server Error", "pending", "HTTP 500")],
)
def test_an_endless_answer_body_is_not_read(status, state, error, file_calling_back, monkeypatch):
    monkeypatch.setattr(callbacks, "TIMEOUT_SECONDS", 3)
    with RawReceiver(_endless(status)) as receiver:
        assert file_calling_back(receiver.url).status_code == 201
        assert receiver.hung_up.wait(2)

    delivery = CallbackDelivery.objects.get()
    attempt = CallbackAttempt.objects.get(delivery=delivery)
    assert (delivery.state, attempt.error) == (state, error)
    assert attempt.duration_ms < 1500  # reading the body would last the 3 s timeout
