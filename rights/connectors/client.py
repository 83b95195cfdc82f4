"""One call of the connector contract: ``POST <base URL>/dsr/<operation>``.

The answer is an :class:`Answer`; a call that should be tried again later
(the system is down, hangs past its timeout, answers 5xx, 408, 425 or 429) raises
:class:`Unavailable`; a system that refuses the call for good (any other 4xx,
or an answer that does not follow the contract or is larger than
``CONNECTOR_ANSWER_MAX_BYTES``) raises :class:`Refused`.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from dataclasses import dataclass, field

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from portal.kernel.api.problems import utf8_text
from portal.kernel.deadline_http import (
    AnswerTooLarge,
    DeadlineHTTPConnection,
    DeadlineHTTPSConnection,
    read_at_most,
)

from . import errors
from .signing import KEY_HEADER, signed_headers

#: HTTP statuses besides every 5xx that mean "try again later" (docs/connectors.md).
RETRIED_STATUSES = frozenset({408, 425, 429})
#: Statuses an answer may carry, and what each means.
DONE, NOT_FOUND, ACCEPTED, FAILED = "done", "not_found", "accepted", "failed"
#: The most read of an error answer's body: enough for its ``error`` (300 characters
#: kept); a longer body is not read, and the status alone says what happened.
ERROR_TEXT_BYTES = 16 * 1024


class CallFailed(Exception):
    """A call without a usable answer.

    ``reason`` is stored as it is and read through :func:`.errors.shown`, so it
    is one of the English texts of :mod:`.errors` or the system's own words;
    ``system`` names the system when the caller knows which one it was (a
    disclosure package reads several), so staff are told which could not answer
    in their own language rather than in the worker's.
    """

    def __init__(self, reason: str, *, system: str = ""):
        super().__init__(f"{system}: {reason}" if system else reason)
        self.reason = reason
        self.system = system


class Unavailable(CallFailed):
    """The system could not answer now; the call is tried again later."""


class Refused(CallFailed):
    """The system refused the call; trying again would not help."""


@dataclass(frozen=True)
class Answer:
    status: str
    records: list = field(default_factory=list)
    count: int | None = None
    message: str = ""
    #: A done erasure: the kinds of data its part shows held back that the system kept.
    kept: list = field(default_factory=list)


def answer_from(data) -> Answer:
    """The :class:`Answer` a JSON body (of a response or a callback) gives."""
    if not isinstance(data, dict) or data.get("status") not in (DONE, NOT_FOUND, ACCEPTED, FAILED):
        raise Refused(errors.NO_STATUS)
    records = data.get("records") or []
    if not isinstance(records, list):
        raise Refused(errors.RECORDS_NOT_A_LIST)
    if not all(
        _names_fields(record.get("withheld", [])) for record in records if isinstance(record, dict)
    ):
        raise Refused(errors.WITHHELD_NOT_A_LIST)
    count = data.get("count")
    kept = data.get("kept") or []
    return Answer(
        status=data["status"],
        records=records,
        count=count if isinstance(count, int) else None,
        message=str(data.get("error") or "")[:500],
        kept=[code for code in kept if isinstance(code, str)] if isinstance(kept, list) else [],
    )


def _names_fields(withheld) -> bool:
    """Whether a record's ``withheld`` is a list of field names (docs/connectors.md)."""
    return isinstance(withheld, list) and all(isinstance(name, str) for name in withheld)


def retried(status: int) -> bool:
    """Whether an HTTP error status means "try again later": every 5xx, 408, 425, 429.

    A 5xx is the system's own failure, however it names it (a 501 from a
    deployment half done, a gateway's 5xx): the retries are bounded, then staff
    see the task failed, so trying again costs little and gives up nothing.
    """
    return 500 <= status <= 599 or status in RETRIED_STATUSES


def call(system, operation: str, payload: dict, *, key: str) -> Answer:
    """POST ``payload`` to ``system`` for ``operation``, signed, within its timeout."""
    body = json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    url = system.base_url.rstrip("/") + f"/dsr/{operation}"
    headers = {
        "Content-Type": "application/json",
        KEY_HEADER: key,
        **signed_headers(system.secret, body),
    }
    limit = settings.CONNECTOR_ANSWER_MAX_BYTES
    try:
        status, raw = _post(url, body, headers, system.timeout_seconds, limit)
    except AnswerTooLarge as error:
        # Not tried again: the system gives the same answer to the same request id.
        raise Refused(errors.TOO_LARGE % {"limit": limit}) from error
    except TimeoutError as error:
        raise Unavailable(errors.NO_ANSWER % {"seconds": system.timeout_seconds}) from error
    except (http.client.HTTPException, OSError) as error:
        raise Unavailable(errors.UNREACHABLE % {"reason": error}) from error
    if not 200 <= status <= 299:
        # A redirect (3xx) is not followed either: the call goes to the base URL
        # staff configured and nowhere else.
        if retried(status):
            raise Unavailable(f"HTTP {status}")
        detail = _error_text(raw)
        raise Refused(f"HTTP {status}{': ' + detail if detail else ''}")
    try:
        data = json.loads(utf8_text(raw or b"{}"))
    except (ValueError, RecursionError) as error:
        raise Refused(errors.NOT_JSON) from error
    answer = answer_from(data)
    if (status == 202) != (answer.status == ACCEPTED):
        raise Refused(errors.ACCEPTED_WITHOUT_202)
    return answer


def _post(url: str, body: bytes, headers: dict, timeout: int, limit: int) -> tuple[int, bytes]:
    """POST ``body`` to ``url``: the answer's status and body, all within ``timeout`` seconds.

    The timeout bounds the whole call (connecting, the status line, every byte
    of the body), not each read of the socket, so a system that answers a byte
    at a time cannot hold a worker past it. ``limit`` bounds the body a 2xx
    answer may have: a longer one raises ``AnswerTooLarge`` as soon as that is
    known, so it cannot fill the worker's memory. Any other answer's body is read
    for its error text only, up to ``ERROR_TEXT_BYTES`` (a longer one reads as
    empty). No redirect is followed and no proxy from the environment is used:
    the call reaches the configured address only. Raises ``TimeoutError`` past
    the timeout.
    """
    parts = urllib.parse.urlsplit(url)
    https = parts.scheme == "https"
    connection_class = DeadlineHTTPSConnection if https else DeadlineHTTPConnection
    port = parts.port or (443 if https else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = connection_class(parts.hostname, port, timeout=timeout)
    response = None
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        if 200 <= response.status <= 299:
            return response.status, read_at_most(response, limit)
        try:
            return response.status, read_at_most(response, ERROR_TEXT_BYTES)
        except AnswerTooLarge:
            return response.status, b""
    finally:
        # Both: an answer that ends its connection (HTTP/1.0, "Connection: close")
        # owns the socket, and closing the connection alone would leave it open
        # while the exception of a timed-out read is kept (a retried task keeps it).
        if response is not None:
            response.close()
        connection.close()


def _error_text(raw: bytes) -> str:
    try:
        return str(json.loads(utf8_text(raw)).get("error") or "")[:300]
    except (ValueError, AttributeError, RecursionError):
        return ""
