"""A callback receiver: a real HTTP server on a loopback port (``receiver``)."""

import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .filing_support import api_file


class Receiver:
    """An HTTP server on 127.0.0.1 that checks each callback's signature.

    It answers 500 to its first ``fail`` calls, 204 after that; ``events`` are
    the bodies it accepted, ``calls`` every call.
    """

    def __init__(self, fail: int = 0):
        self.fail = fail
        self.secret = ""
        self.calls: list[dict] = []
        self.events: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append({"headers": dict(self.headers), "body": body})
                timestamp = self.headers["Webhook-Timestamp"]
                expected = hmac.new(
                    receiver.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
                ).hexdigest()
                signed = hmac.compare_digest(self.headers["Webhook-Signature"], "v1=" + expected)
                if not signed:
                    self.send_response(401)
                elif len(receiver.calls) <= receiver.fail:
                    self.send_response(500)
                else:
                    receiver.events.append(json.loads(body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class RawReceiver:
    """A loopback server writing its answers on the socket itself, for answers an HTTP
    server library would not send (dribbled, endless).

    Each connection's POST is read, then ``answer(connection)`` writes what it
    likes; ``hung_up`` is set when the portal closed the connection meanwhile.
    """

    def __init__(self, answer):
        self.answer = answer
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hooks"
        self.posts = 0
        self.hung_up = threading.Event()
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
            try:
                self.answer(connection)
            except OSError:
                self.hung_up.set()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.listener.close()


def callback_put(client, headers, url: str) -> str:
    """Register ``url`` as the client's callback URL through the API: its signing secret."""
    response = client.put(
        "/api/v1/callback",
        json.dumps({"url": url}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    return response.json()["signing_secret"]


@pytest.fixture
def receiver(settings):
    settings.API_CALLBACK_ALLOW_LOOPBACK_HTTP = True
    made = []

    def make(fail=0):
        made.append(Receiver(fail))
        return made[-1]

    yield make
    for server in made:
        server.stop()


@pytest.fixture
def file_calling_back(
    client, make_client, service_a, customer_a, settings, django_capture_on_commit_callbacks
):
    """``file(url)``: a request for M-A-0001 filed through the API by a client whose
    callback URL is ``url`` (plain http to this machine allowed), its callback
    attempted at once; the filing's answer."""
    settings.API_CALLBACK_ALLOW_LOOPBACK_HTTP = True
    _api_client, headers = make_client(("requests:write", "requests:read"), [service_a])

    def file(url: str):
        callback_put(client, headers, url)
        with django_capture_on_commit_callbacks(execute=True):
            return api_file(client, headers)

    return file
