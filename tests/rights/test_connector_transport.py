"""What a connector call does with the way a system answers, not with what it says.

Each system is a real HTTP server on a loopback port started by the test. A
redirect is not followed: the portal calls only the base URL staff configured
(docs/connectors.md, *Errors and retries*), so a system, or whoever took over
its address, cannot turn the call into a request to another host (server-side
request forgery) and have that host's answer recorded as the system's. A system
that dribbles its answer a byte at a time cannot hold the call past its timeout,
and one that answers with more than ``CONNECTOR_ANSWER_MAX_BYTES`` cannot make
the worker hold it: an announced length over the cap fails before the body is
read, a body without one is cut off as soon as it passes the cap.
"""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest

from rights.connectors import client
from rights.connectors.models import ExternalSystem


class _Server:
    """A loopback HTTP server whose handler answers with ``answer(handler)``."""

    def __init__(self, answer):
        self.hits: list[tuple[str, str]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self):
                outer.hits.append((self.command, self.path))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                answer(self)

            do_GET = do_POST = _any

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _json(handler, status: int, data: dict) -> None:
    body = json.dumps(data).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def elsewhere():
    """Another host's service, which answers any call as a system would."""
    server = _Server(lambda handler: _json(handler, 200, {"status": "done", "count": 9}))
    yield server
    server.stop()


def _system(url: str, timeout: int = 2) -> ExternalSystem:
    return ExternalSystem(name="Billing", base_url=url, secret="s3cret", timeout_seconds=timeout)


def _redirecting(status: int, target: str):
    def answer(handler):
        handler.send_response(status)
        handler.send_header("Location", target + "/internal/admin?drop=all")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed_and_fails_the_call(status, elsewhere):
    system = _Server(_redirecting(status, elsewhere.url))
    try:
        with pytest.raises(client.Refused, match=f"HTTP {status}"):
            client.call(_system(system.url), "erase", {"request_id": "k"}, key="k")
    finally:
        system.stop()
    assert system.hits == [("POST", "/dsr/erase")]
    assert elsewhere.hits == []  # nothing was sent to the other host


def _assert_cut_off_at_one_second(dribble) -> None:
    """A call with a 1 s timeout to a system answering with ``dribble`` is no answer, at once."""
    system = _Server(dribble)
    started = time.monotonic()
    try:
        with pytest.raises(client.Unavailable, match="No answer within 1 s"):
            client.call(_system(system.url, timeout=1), "erase", {"request_id": "k"}, key="k")
    finally:
        system.stop()
    assert time.monotonic() - started < 2.5


def test_an_answer_dribbled_past_the_timeout_is_no_answer():
    def dribble(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "40")
        handler.end_headers()
        try:
            for byte in b'{"status": "done", "count": 1}          ':
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(0.3)
        except OSError:
            pass  # the portal hung up

    _assert_cut_off_at_one_second(dribble)  # the dribble would take 12 s


def test_an_answer_within_the_timeout_is_read():
    system = _Server(lambda handler: _json(handler, 200, {"status": "done", "count": 2}))
    try:
        answer = client.call(_system(system.url), "erase", {"request_id": "k"}, key="k")
    finally:
        system.stop()
    assert (answer.status, answer.count) == ("done", 2)


def test_a_proxy_set_in_the_environment_is_not_used(elsewhere, monkeypatch):
    system = _Server(lambda handler: _json(handler, 200, {"status": "not_found"}))
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, elsewhere.url)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    try:
        answer = client.call(_system(system.url), "erase", {"request_id": "k"}, key="k")
    finally:
        system.stop()
    assert answer.status == "not_found"
    assert elsewhere.hits == [] and system.hits == [("POST", "/dsr/erase")]


def test_a_status_line_and_headers_dribbled_past_the_timeout_are_no_answer():
    def dribble(handler):
        head = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 40 + b"\r\n"
        try:
            for byte in head:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(0.3)
        except OSError:
            pass  # the portal hung up
        handler.close_connection = True

    _assert_cut_off_at_one_second(dribble)  # the dribble would take 17 s


#: The cap the tests below set (``CONNECTOR_ANSWER_MAX_BYTES``): small, so an answer
#: past it is quick to send.
CAP = 64 * 1024
TOO_LARGE = f"The answer is larger than {CAP} bytes"


@pytest.fixture
def capped(settings):
    settings.CONNECTOR_ANSWER_MAX_BYTES = CAP


def _head(status: str, *headers: str) -> bytes:
    return (f"HTTP/1.1 {status}\r\n" + "".join(f"{h}\r\n" for h in headers) + "\r\n").encode()


CHUNKED = "Transfer-Encoding: chunked"
#: One chunk of 16 KiB in the chunked framing (its content does not matter).
CHUNK = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"


class _Endless:
    """An answer whose body never ends, sent as fast as the portal takes it.

    ``hung_up`` is set once the portal closed the connection: a portal that read
    the whole body would still be reading it when its timeout ran out.
    """

    def __init__(self, head: bytes, piece: bytes):
        self.head, self.piece = head, piece
        self.sent = 0
        self.hung_up = threading.Event()

    def __call__(self, handler):
        try:
            handler.wfile.write(self.head)
            while True:
                handler.wfile.write(self.piece)
                self.sent += len(self.piece)
        except OSError:
            self.hung_up.set()
        handler.close_connection = True


def _call_timed(answer, exception, timeout: int = 5):
    """Call a system answering with ``answer``; the ``exception`` raised and the seconds it took."""
    system = _Server(answer)
    started = time.monotonic()
    try:
        with pytest.raises(exception) as raised:
            client.call(_system(system.url, timeout), "access", {"request_id": "k"}, key="k")
    finally:
        system.stop()
    return raised.value, time.monotonic() - started


@pytest.mark.parametrize("status", ["200 OK", "202 Accepted", "422 Unprocessable Entity"])
def test_an_answer_announced_over_the_cap_fails_before_its_body_is_read(status, capped):
    def announced(handler):
        length = "Content-Length: 2147483648"  # 2 GiB, of which nothing is sent:
        handler.wfile.write(_head(status, "Content-Type: application/json", length))
        time.sleep(3)  # a portal that began reading the body would wait here until its timeout

    error, seconds = _call_timed(announced, client.Refused)
    if status.startswith("422"):
        # An error's body is read for its text only; too long, the status alone says it.
        assert str(error) == "HTTP 422"
    else:
        assert str(error).startswith(TOO_LARGE)
        assert "CONNECTOR_ANSWER_MAX_BYTES" in str(error)
    assert seconds < 1.5


@pytest.mark.parametrize(
    "head, piece",
    [
        (_head("200 OK", "Content-Type: application/json", CHUNKED), CHUNK),
        # No length and not chunked: the body runs until the connection closes.
        (_head("200 OK", "Content-Type: application/json", "Connection: close"), b"x" * 0x4000),
    ],
    ids=["chunked", "until-closed"],
)
def test_an_endless_answer_is_cut_off_as_soon_as_it_passes_the_cap(head, piece, capped):
    endless = _Endless(head, piece)
    error, seconds = _call_timed(endless, client.Refused)
    assert str(error).startswith(TOO_LARGE)
    assert seconds < 2.5  # the timeout is 5 s: the call did not read until it ran out
    assert endless.hung_up.wait(2)  # the portal hung up on the endless body


def test_an_error_status_with_an_endless_body_is_that_status_at_once(capped):
    """A gateway's 503 is tried again later whatever its body: only its text is read."""
    endless = _Endless(_head("503 Service Unavailable", CHUNKED), CHUNK)
    error, seconds = _call_timed(endless, client.Unavailable)
    assert str(error) == "HTTP 503"
    assert seconds < 2.5
    assert endless.hung_up.wait(2)


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_an_answer_of_exactly_the_cap_is_read(framing, capped):
    body = json.dumps({"status": "done", "count": 3}).encode()
    body += b" " * (CAP - len(body))

    def exact(handler):
        if framing == "length":
            handler.wfile.write(_head("200 OK", f"Content-Length: {CAP}") + body)
            return
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (body[:1000], body[1000:]))
        handler.wfile.write(_head("200 OK", CHUNKED) + chunks + b"0\r\n\r\n")

    system = _Server(exact)
    try:
        answer = client.call(_system(system.url), "access", {"request_id": "k"}, key="k")
    finally:
        system.stop()
    assert (answer.status, answer.count) == ("done", 3)
