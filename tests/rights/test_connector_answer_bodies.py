"""A system's answer is JSON in UTF-8 (RFC 8259 §8.1), read as the contract says or
refused as "not JSON": never guessed from its bytes, never an error that stops the
worker's task. The system is the test double on a loopback port."""

import json

import pytest

from rights.connectors import client, errors

from .connector_support import api_system, double_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

DONE = {"status": "done", "found": True}


def _answer_with(double, raw: bytes):
    double.behaviour, double.raw_answer = "raw", raw
    system = api_system(double)
    payload = {"request_id": "r-1", "subject": {"email": "a@example.com"}}
    return client.call(system, "erase", payload, key="r-1")


def test_an_answer_in_utf_8_is_read(double):
    assert _answer_with(double, json.dumps(DONE).encode()).status == client.DONE


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps(DONE).encode("utf-16"),
        json.dumps(DONE).encode("utf-32-le"),
        b'{"status": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
    ids=["utf-16", "utf-32", "nested too deep"],
)
def test_an_answer_not_in_utf_8_json_is_refused_as_not_json(double, raw):
    with pytest.raises(client.Refused) as refused:
        _answer_with(double, raw)
    assert str(refused.value) == errors.NOT_JSON
