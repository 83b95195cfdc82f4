"""A stand-in external system implementing the connector contract (docs/connectors.md).

A tiny WSGI app served by a real HTTP server on a loopback port, in a thread
of the test process (or on its own: ``python -m tests.connector_double``,
which ``make demo-connector`` runs for the demo). It keeps its own records per
customer e-mail address, checks every signature, applies each request id once
(a repeated call gets the first answer again), and can be told to fail
(``"fail"``: HTTP 503 or ``fail_status``; ``"refuse"``: HTTP 422), hang past the caller's timeout
(``"hang"``), answer late (``"late"``: 202, then a signed callback) or answer
200 with a body that never ends, as fast as the caller reads it (``"endless"``).
"""

from __future__ import annotations

import argparse
import copy
import hmac
import json
import threading
import time
import urllib.request
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from rights.connectors.signing import (
    KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
    signed_headers,
)

OPERATIONS = ("access", "correct", "erase", "restrict")
#: The contract's tolerance for a call's timestamp (docs/connectors.md), in seconds.
TOLERANCE = 300


def _signed(secret: str, timestamp: str, sent: str, body: bytes) -> bool:
    """Whether ``sent`` signs ``body`` at ``timestamp``, no more than ``TOLERANCE`` from now.

    As the contract asks of every service (the double runs without Django settings,
    so it states the figure itself)."""
    try:
        recent = abs(time.time() - int(timestamp)) <= TOLERANCE
    except ValueError:
        return False
    expected = signature(secret, timestamp, body).encode()
    return recent and hmac.compare_digest(expected, sent.encode("utf-8", "replace"))


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class ConnectorDouble:
    def __init__(self, *, secret: str = "double-secret", port: int = 0):
        self.secret = secret
        self.port = port
        self.behaviour = "ok"
        self.hang_seconds = 5.0
        self.raw_answer = b""  # "raw": answer 200 with these bytes as they are
        self.late_seconds = 0.3
        self.callback_errors: list[str] = []
        self.fail_next = 0  # answer this many next calls with HTTP 503, then behave
        self.fail_status = 503  # the status "fail" answers with
        self.records: dict[str, list[dict]] = {}
        self.restricted: set[str] = set()
        self.calls: list[dict] = []  # every call received, in order
        self.applied: list[tuple[str, str]] = []  # (operation, request id) carried out
        self._answers: dict[str, tuple[str, dict]] = {}
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    # -- running ----------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ConnectorDouble:
        self._server = make_server(
            "127.0.0.1", self.port, self.app, server_class=_Server, handler_class=_QuietHandler
        )
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Down: the port refuses connections until :meth:`start` (same port, same records)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- its data ---------------------------------------------------------

    def add(self, email: str, *records: dict) -> None:
        """Records about the customer ``email``: ``{"id", "category", "values"}``, and
        ``"withheld"``: the fields held but not disclosed, returned as given."""
        self.records.setdefault(email.lower(), []).extend(copy.deepcopy(list(records)))

    def records_of(self, email: str) -> list[dict]:
        return copy.deepcopy(self.records.get(email.lower(), []))

    def applied_count(self, operation: str) -> int:
        return sum(1 for op, _key in self.applied if op == operation)

    # -- the contract -----------------------------------------------------

    def app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        operation = path.removeprefix("/dsr/")
        if environ["REQUEST_METHOD"] != "POST" or operation not in OPERATIONS:
            return _respond(start_response, 404, {"error": "unknown path"})
        timestamp = environ.get("HTTP_" + TIMESTAMP_HEADER.upper().replace("-", "_"), "")
        sent = environ.get("HTTP_" + SIGNATURE_HEADER.upper().replace("-", "_"), "")
        key = environ.get("HTTP_" + KEY_HEADER.upper().replace("-", "_"), "")
        if not _signed(self.secret, timestamp, sent, body):
            return _respond(start_response, 401, {"error": "bad signature"})
        payload = json.loads(body)
        self.calls.append({"operation": operation, "key": key, "payload": payload})
        behaviour = self.behaviour
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                behaviour = "fail"
        if behaviour == "fail":
            return _respond(start_response, self.fail_status, {"error": "temporarily unavailable"})
        if behaviour == "refuse":
            return _respond(start_response, 422, {"error": "customer number unknown format"})
        if behaviour == "raw":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [self.raw_answer]
        if behaviour == "endless":
            start_response("200 OK", [("Content-Type", "application/json")])
            return _endless()
        if behaviour == "hang":
            time.sleep(self.hang_seconds)
        with self._lock:
            if key in self._answers:
                status, answer = self._answers[key]
                return _respond(start_response, 200 if status == "sync" else 202, answer)
            answer = self._apply(operation, payload, key)
            if behaviour == "late":
                self._answers[key] = ("late", {"status": "accepted"})
                threading.Thread(
                    target=self._call_back, args=(payload, answer), daemon=True
                ).start()
                return _respond(start_response, 202, {"status": "accepted"})
            self._answers[key] = ("sync", answer)
        return _respond(start_response, 200, answer)

    def _apply(self, operation: str, payload: dict, key: str) -> dict:
        email = str(payload["subject"].get("email", "")).lower()
        held = self.records.get(email)
        if not held:
            return {"status": "not_found"}
        self.applied.append((operation, key))
        if operation == "access":
            return {"status": "done", "records": copy.deepcopy(held)}
        if operation == "erase":
            categories = set(payload.get("categories") or [])
            kept = [r for r in held if categories and r["category"] not in categories]
            self.records[email] = kept
            return {"status": "done", "count": len(held) - len(kept)}
        if operation == "correct":
            changed = 0
            for change in payload.get("changes", []):
                for record in held:
                    if change["field"] in record["values"]:
                        record["values"][change["field"]] = change["value"]
                        changed += 1
            return {"status": "done", "count": changed}
        self.restricted.add(email)
        return {"status": "done", "count": len(held)}

    def _call_back(self, payload: dict, answer: dict) -> None:
        time.sleep(self.late_seconds)
        body = json.dumps({"request_id": payload["request_id"], **answer}).encode()
        request = urllib.request.Request(
            payload["callback_url"],
            data=body,
            headers={"Content-Type": "application/json", **signed_headers(self.secret, body)},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except OSError as error:  # the portal is gone (the test ended): keep it, as a log would
            self.callback_errors.append(str(error))


def _endless():
    """A JSON list of records that never closes: no length, sent until the caller hangs up."""
    yield b'{"status": "done", "records": ['
    record = json.dumps({"id": "m", "category": "usage", "values": {"x": "y" * 4000}}).encode()
    while True:
        yield record + b", "


def _respond(start_response, status: int, data: dict):
    reasons = {200: "OK", 202: "Accepted", 401: "Unauthorized", 404: "Not Found"}
    reasons |= {422: "Unprocessable Entity", 503: "Service Unavailable"}
    body = json.dumps(data).encode()
    start_response(
        f"{status} {reasons.get(status, 'Error')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--secret", default="demo-connector-secret")
    parser.add_argument("--seed", default="demo@example.com", help="a customer it holds data of")
    args = parser.parse_args()
    double = ConnectorDouble(secret=args.secret, port=args.port)
    double.add(
        args.seed,
        {
            "id": "m-1",
            "category": "contact",
            "values": {"email": args.seed, "address": "Chiyoda 1-1"},
        },
        {"id": "m-2", "category": "usage", "values": {"sent": "2026-11-02 newsletter"}},
        # Held but not disclosed (docs/connectors.md): a field it names in "withheld",
        # and a secret the portal drops by its name.
        {
            "id": "m-3",
            "category": "account",
            "values": {"login": args.seed, "password_hash": "pbkdf2_sha256$demo$hash"},
            "withheld": ["security_answer"],
        },
    )
    double.start()
    print(f"connector double on {double.url} (secret {args.secret!r}); Ctrl-C stops it")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        double.stop()


if __name__ == "__main__":
    main()
