"""A body declared in another character set than UTF-8 (``charset=latin-1``) is refused
415, with what to send, by the API and by a system's signed callback: JSON is read in
UTF-8 only (RFC 8259 §8.1; docs/api.md, docs/connectors.md).

Before, it was read as UTF-8 all the same: Latin-1 bytes that happen to be UTF-8 were
kept as other characters (``Ã©`` as ``é``) in a note kept as evidence of an erasure
(GDPR art. 5(1)(d), accuracy), and the others were refused as "not valid JSON".
"""

import json

import pytest
from django.test import Client

from rights.connectors.models import SystemTask
from rights.connectors.signing import signed_headers
from tests.api.fulfilment_support import SECRET, sent_over_http

pytestmark = pytest.mark.django_db
State = SystemTask.State


def _report(deletion, headers, body: bytes, content_type: str):
    # generic() sends the bytes as they are (post() would re-encode them from UTF-8).
    return Client().generic(
        "POST",
        f"/api/v1/requests/{deletion.reference}/fulfilment",
        body,
        content_type=content_type,
        headers=headers,
    )


def _signed_callback(task, encoding: str, content_type: str):
    """The system's signed "done", in ``encoding``, declared as ``content_type``."""
    body = json.dumps({"request_id": str(task.key), "status": "done"}).encode(encoding)
    return Client().generic(
        "POST",
        f"/connectors/callback/{task.key}/",
        body,
        content_type=content_type,
        headers=signed_headers(SECRET, body),
    )


def _body(archive, note: str, encoding: str) -> bytes:
    text = json.dumps({"system": archive.pk, "outcome": "done", "note": note}, ensure_ascii=False)
    return text.encode(encoding)


@pytest.mark.parametrize("charset", ["latin-1", "ISO-8859-1", "shift_jis", "utf-16"])
def test_a_report_declared_in_another_charset_is_415_and_changes_nothing(
    linked, deletion, archive, charset
):
    _api_client, headers = linked
    body = _body(archive, "Ã©té effacé", "latin-1")

    response = _report(deletion, headers, body, f"application/json; charset={charset}")

    assert response.status_code == 415, response.content
    problem = response.json()
    assert problem["type"].endswith("/unsupported-media-type")
    assert "UTF-8" in problem["detail"] and charset in problem["detail"]
    task = SystemTask.objects.get(request=deletion)
    assert (task.state, task.note) == (State.PENDING, "")


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "utf8", '"utf-8"'])
def test_a_report_declared_in_utf8_is_read(linked, deletion, archive, charset):
    _api_client, headers = linked
    body = _body(archive, "Été effacé", "utf-8")

    response = _report(deletion, headers, body, f"application/json; charset={charset}")

    assert response.status_code == 200, response.content
    assert SystemTask.objects.get(request=deletion).note == "Été effacé"


def test_a_callback_declared_in_another_charset_is_415_and_changes_nothing(deletion, archive):
    task = sent_over_http(deletion, archive)

    response = _signed_callback(task, "latin-1", "application/json; charset=latin-1")

    assert response.status_code == 415, response.content
    assert "UTF-8" in response.json()["error"]
    task.refresh_from_db()
    assert task.state == State.PENDING


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_body_in_utf16_declared_as_plain_json_is_not_guessed_and_read(
    linked, deletion, archive, encoding
):
    """json.loads guesses UTF-16 and UTF-32 from the bytes: such a report was read,
    where the API reads UTF-8 only (400 unreadable-body, docs/api.md)."""
    _api_client, headers = linked
    body = _body(archive, "Été effacé", encoding)

    response = _report(deletion, headers, body, "application/json")

    assert response.status_code == 400, response.content
    assert response.json()["type"].endswith("/unreadable-body")
    assert SystemTask.objects.get(request=deletion).state == State.PENDING


def test_a_callback_in_utf16_is_not_guessed_and_read(deletion, archive):
    task = sent_over_http(deletion, archive)

    response = _signed_callback(task, "utf-16", "application/json")

    assert response.status_code == 400, response.content
    task.refresh_from_db()
    assert task.state == State.PENDING
