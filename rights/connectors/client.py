"""One call of the connector contract: ``POST <base URL>/dsr/<operation>``.

The answer is an :class:`Answer`; a call that should be tried again later
(the system is down, hangs past its timeout, answers 5xx, 408, 425 or 429) raises
:class:`Unavailable`; a system that refuses the call for good (any other 4xx,
or an answer that does not follow the contract) raises :class:`Refused`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder

from portal.kernel.api.problems import utf8_text

from . import errors
from .signing import KEY_HEADER, signed_headers

#: HTTP statuses besides every 5xx that mean "try again later" (docs/connectors.md).
RETRIED_STATUSES = frozenset({408, 425, 429})
#: Statuses an answer may carry, and what each means.
DONE, NOT_FOUND, ACCEPTED, FAILED = "done", "not_found", "accepted", "failed"


class Unavailable(Exception):
    """The system could not answer now; the call is tried again later."""


class Refused(Exception):
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
    http_request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(http_request, timeout=system.timeout_seconds) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        if retried(error.code):
            raise Unavailable(f"HTTP {error.code}") from error
        detail = _error_text(error.read())
        raise Refused(f"HTTP {error.code}{': ' + detail if detail else ''}") from error
    except TimeoutError as error:
        raise Unavailable(errors.NO_ANSWER % {"seconds": system.timeout_seconds}) from error
    except (urllib.error.URLError, ConnectionError, OSError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            raise Unavailable(errors.NO_ANSWER % {"seconds": system.timeout_seconds}) from error
        raise Unavailable(errors.UNREACHABLE % {"reason": reason}) from error
    try:
        data = json.loads(utf8_text(raw or b"{}"))
    except (ValueError, RecursionError) as error:
        raise Refused(errors.NOT_JSON) from error
    answer = answer_from(data)
    if (status == 202) != (answer.status == ACCEPTED):
        raise Refused(errors.ACCEPTED_WITHOUT_202)
    return answer


def _error_text(raw: bytes) -> str:
    try:
        return str(json.loads(utf8_text(raw)).get("error") or "")[:300]
    except (ValueError, AttributeError, RecursionError):
        return ""
