"""What a connector call does with the way a system answers, not with what it says.

Each system is a real HTTP server on a loopback port started by the test. A
redirect is not followed: the portal calls only the base URL staff configured
(docs/connectors.md, *Errors and retries*), so a system, or whoever took over
its address, cannot turn the call into a request to another host (server-side
request forgery) and have that host's answer recorded as the system's. A system
that dribbles its answer a byte at a time cannot hold the call past its timeout.
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
