"""A connector written from docs/connectors.md alone, in Python's standard library.

It is a real HTTP server on a loopback port: it checks each call's signature
exactly as the contract's worked example does, answers ``202`` and calls back
the portal's ``callback_url`` (a live server), signed the same way. What the
portal sends must pass the documented check, and what the documented callback
sends must be taken; a stale or replayed callback is answered as the contract says.
"""

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rights.connectors.models import ExternalSystem, SystemTask
from tests.rights.retention_support import approve, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = b"the shared secret entered in the portal's admin"


def signed(headers, body: bytes) -> bool:
    """The contract's check, as its worked example writes it."""
    timestamp = headers.get("X-DSR-Timestamp", "0")
    expected = hmac.new(SECRET, timestamp.encode() + b"." + body, hashlib.sha256)
    sent = headers.get("X-DSR-Signature", "").encode()
    return abs(time.time() - int(timestamp)) <= 300 and hmac.compare_digest(
        expected.hexdigest().encode(), sent
    )


def post(url: str, body: bytes, *, timestamp: int) -> tuple[int, bytes, str]:
    """A callback signed as the contract says: the same secret and headers."""
    signature = hmac.new(SECRET, str(timestamp).encode() + b"." + body, hashlib.sha256)
    headers = {
        "Content-Type": "application/json",
        "X-DSR-Timestamp": str(timestamp),
        "X-DSR-Signature": signature.hexdigest(),
    }
    call = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(call, timeout=10) as answer:
            return answer.status, answer.read(), answer.headers.get_content_type()
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get_content_type()


class Connector:
    """Answers every call 202 and keeps what it was sent, and whether it was signed."""

    def __init__(self):
        self.calls: list[dict] = []
        connector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = signed(self.headers, body)
                connector.calls.append({"path": self.path, "body": body, "signed": ok})
                answer = b'{"status": "accepted"}' if ok else b'{"error": "bad signature"}'
                self.send_response(202 if ok else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def connector():
    running = Connector()
    yield running
    running.stop()


@pytest.fixture
def accepted_erasure(live_server, settings, officer, connector):
    """A deletion whose erasure the connector accepted (202): its call and its task."""
    settings.SITE_URL = live_server.url
    customer = customer_with_records()
    ExternalSystem.objects.create(
        name="Billing",
        mode=ExternalSystem.Mode.API,
        base_url=connector.url,
        secret=SECRET.decode(),
        categories=["contact", "usage"],
        operations=["erase"],
        timeout_seconds=5,
    )
    approve(file_deletion(customer, categories=["contact", "usage"]), officer)
    assert [call["path"] for call in connector.calls] == ["/dsr/erase"]
    return connector.calls[0], SystemTask.objects.get()


def test_the_portal_signs_its_call_as_the_contract_checks(accepted_erasure):
    call, task = accepted_erasure
    assert call["signed"]
    body = json.loads(call["body"])
    assert body["request_id"] == str(task.key)
    assert body["operation"] == "erase"


def test_a_signed_callback_is_taken_once_and_a_replay_changes_nothing(accepted_erasure):
    call, task = accepted_erasure
    url = json.loads(call["body"])["callback_url"]
    answer = json.dumps({"request_id": str(task.key), "status": "done", "count": 2}).encode()
    status, body, _type = post(url, answer, timestamp=int(time.time()))
    assert (status, json.loads(body)) == (200, {"status": "recorded"})
    task.refresh_from_db()
    assert task.state == SystemTask.State.DONE
    status, body, _type = post(url, answer, timestamp=int(time.time()))
    assert (status, json.loads(body)) == (200, {"status": "already settled"})


def test_a_callback_signed_too_long_ago_is_refused(accepted_erasure):
    call, task = accepted_erasure
    url = json.loads(call["body"])["callback_url"]
    answer = json.dumps({"request_id": str(task.key), "status": "done"}).encode()
    status, body, _type = post(url, answer, timestamp=int(time.time()) - 301)
    assert (status, json.loads(body)) == (401, {"error": "bad signature"})
    task.refresh_from_db()
    assert task.state == SystemTask.State.PENDING


@pytest.mark.parametrize(
    "answer",
    [b"not json", b'{"request_id": "x", "status": "done"}', b'{"status": "accepted"}'],
    ids=["not-json", "another-id", "no-final-status"],
)
def test_a_refused_callback_says_why_in_json_as_the_other_refusals_do(accepted_erasure, answer):
    call, task = accepted_erasure
    url = json.loads(call["body"])["callback_url"]
    status, body, content_type = post(url, answer, timestamp=int(time.time()))
    assert status == 400
    assert content_type == "application/json"
    assert json.loads(body)["error"]
    task.refresh_from_db()
    assert task.state == SystemTask.State.PENDING


def test_a_callback_to_an_address_of_no_part_says_so_in_json(accepted_erasure):
    call, _task = accepted_erasure
    url = json.loads(call["body"])["callback_url"]
    unknown = url.replace(url.rstrip("/").rsplit("/", 1)[1], str(uuid.uuid4()))
    answer = json.dumps({"request_id": "x", "status": "done"}).encode()
    status, body, content_type = post(unknown, answer, timestamp=int(time.time()))
    assert (status, content_type) == (404, "application/json")
    assert json.loads(body)["error"]
