"""A receiver that answers a byte at a time gets no more than the callback timeout.

docs/api.md, *Callbacks*: "no answer within 10 s is tried again". The timeout
bounds the whole answer, not each read of the socket: a receiver (a client's
callback URL, which the client sets itself) that dribbles its status line and
headers would otherwise hold a worker, and the delivery's row lock, for as long
as it likes. The receiver is a real server on a loopback port.
"""

import time

import pytest

from portal.kernel.api import callbacks
from portal.kernel.models import CallbackAttempt, CallbackDelivery

from .receiver_support import RawReceiver

pytestmark = pytest.mark.django_db


def _dribble(connection):
    """Sends the answer's head one byte every 0.3 s (about 15 s)."""
    for byte in b"HTTP/1.1 204 No Content\r\nX-Slow: " + b"a" * 50 + b"\r\n\r\n":
        connection.sendall(bytes([byte]))
        time.sleep(0.3)


def test_a_receiver_dribbling_its_answer_is_cut_off_at_the_timeout(file_calling_back, monkeypatch):
    monkeypatch.setattr(callbacks, "TIMEOUT_SECONDS", 1)
    with RawReceiver(_dribble) as dribbler:
        response = file_calling_back(dribbler.url)

    assert response.status_code == 201, response.content
    assert dribbler.posts == 1
    delivery = CallbackDelivery.objects.get()
    attempt = CallbackAttempt.objects.get(delivery=delivery)
    assert (delivery.state, delivery.attempts, attempt.status_code) == ("pending", 1, None)
    assert "timed out" in attempt.error
    assert attempt.duration_ms < 2000  # the dribbled head would take about 20 s
    assert delivery.next_attempt_at is not None  # tried again later
