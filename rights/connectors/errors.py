"""A call's error, stored in English and shown in the reader's language.

The worker writes a failed call's error into ``SystemTask.last_error`` as one of
the texts below, in English whatever language it runs in (the log and the
audit trail read the same words); :func:`shown` translates it for the page it
is read on. What a system said in its own words is shown as it came.
"""

from __future__ import annotations

import re

from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop

NO_STATUS = gettext_noop("The answer does not follow the contract (no valid “status”).")
RECORDS_NOT_A_LIST = gettext_noop("The answer's “records” is not a list.")
WITHHELD_NOT_A_LIST = gettext_noop("A record's “withheld” is not a list of field names.")
NOT_JSON = gettext_noop("The answer is not JSON.")
ACCEPTED_WITHOUT_202 = gettext_noop("HTTP 202 goes with the status “accepted”, and only with it.")
COULD_NOT_DO_IT = gettext_noop("The system could not do it.")
ANSWERS_LATER = gettext_noop("The system answers later; it cannot be read at once.")
NO_ANSWER = gettext_noop("No answer within %(seconds)s s")
UNREACHABLE = gettext_noop("Unreachable: %(reason)s")
TOO_LARGE = gettext_noop(
    "The answer is larger than %(limit)s bytes, the most the portal reads of one "
    "answer (setting CONNECTOR_ANSWER_MAX_BYTES); nothing of it was recorded."
)

_FIXED = frozenset(
    {
        NO_STATUS,
        RECORDS_NOT_A_LIST,
        WITHHELD_NOT_A_LIST,
        NOT_JSON,
        ACCEPTED_WITHOUT_202,
        COULD_NOT_DO_IT,
        ANSWERS_LATER,
    }
)
_WITH_VALUES = (
    (re.compile(r"No answer within (?P<seconds>\d+) s"), NO_ANSWER),
    (re.compile(r"Unreachable: (?P<reason>.*)", re.DOTALL), UNREACHABLE),
    (re.compile(re.escape(TOO_LARGE).replace(r"%\(limit\)s", r"(?P<limit>\d+)")), TOO_LARGE),
)


def shown(stored: str) -> str:
    """``stored`` in the active language when it is one of the texts above."""
    if stored in _FIXED:
        return gettext(stored)
    for pattern, text in _WITH_VALUES:
        match = pattern.fullmatch(stored)
        if match:
            values = match.groupdict()
            if "limit" in values:  # 67,108,864: a number of bytes staff can read
                values["limit"] = number_format(int(values["limit"]), force_grouping=True)
            return gettext(text) % values
    return stored
