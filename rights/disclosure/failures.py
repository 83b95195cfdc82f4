"""Why a package could not be prepared: stored in a form free of language, read in
the reader's.

The build runs in a worker, in whatever language it has active, and staff read
the reason later in theirs (the admin is used in Japanese and English). So the
delivery keeps two things: ``error``, the technical line (the error's class and
the first line of its message) for whoever runs the portal, and ``cause``, what
kind of failure it was, from which :func:`shown` writes the sentence in the
active language:

``{"code": "system", "system": <name>, "reason": <stored reason>}``
    a connected system could not answer; its reason is one of the English texts
    of :mod:`rights.connectors.errors` (translated when shown) or the system's
    own words (shown as they came);
``{"code": "unexpected"}``
    anything else: the page says so and shows the technical line, the logs have
    the rest;
``{}``
    a reason stored before causes were: its technical line is shown as it is.

A database or storage outage is not a cause of its own: the build retries for
half an hour first, an outage that outlasts that is the operator's to read in
the logs, and its classes (``OperationalError``, ``OSError``) are raised by
faults of other kinds too.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from rights.connectors import errors
from rights.connectors.client import CallFailed

SYSTEM = "system"
UNEXPECTED = "unexpected"

SYSTEM_COULD_NOT_ANSWER = gettext_noop("%(system)s could not answer: %(reason)s")


def technical_line(error: BaseException) -> str:
    """The error's class and the first line of its message (a database error's
    second line can quote row values)."""
    first_line = (str(error).strip().splitlines() or [""])[0][:300]
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__


def cause_of(error: BaseException) -> dict:
    """What :func:`shown` needs to say why ``error`` stopped the build."""
    if isinstance(error, CallFailed) and error.system:
        return {"code": SYSTEM, "system": error.system, "reason": error.reason[:500]}
    return {"code": UNEXPECTED}


def shown(cause: dict) -> str:
    """The sentence for a system that could not answer, in the active language;
    empty for any other cause (the page shows the technical line)."""
    if not cause or cause.get("code") != SYSTEM:
        return ""
    return gettext(SYSTEM_COULD_NOT_ANSWER) % {
        "system": cause.get("system", ""),
        "reason": errors.shown(cause.get("reason", "")),
    }


def said_now(error: CallFailed) -> str:
    """What staff read when a system cannot answer while they wait (the printable
    answer, made on the spot): the sentence of :func:`shown` in the active
    language, or the translated reason alone when the system is not named."""
    return shown(cause_of(error)) or errors.shown(error.reason)
