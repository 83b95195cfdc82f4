"""The reason on a restriction of data a deletion kept, stored in English and shown
in the reader's language.

A deletion that could not erase everything restricts what it kept (source
"erasure_kept"). The reason names the ground of the request's own law: the GDPR
restricts kept data under art. 18 and keeps it under 17(3); APPI and the CCPA have no
article on restricting it, so their reason names the duty to keep without a privacy
article (as the customer's statement does). The text is stored in English, like the
audit trail; :func:`shown` translates it for the page it is read on.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext, gettext_noop

KEPT_GDPR = gettext_noop(
    "%(reference)s: kept after the deletion request under a retention rule or a legal "
    "hold; only stored and used for that ground (GDPR art. 18, 17(3))."
)
KEPT_BY_LAW = gettext_noop(
    "%(reference)s: kept after the deletion request because a law requires keeping it or "
    "a legal hold keeps it; only stored and used for that obligation or claim."
)

_TEXTS = (KEPT_GDPR, KEPT_BY_LAW)


def _pattern(text: str) -> re.Pattern:
    return re.compile(re.escape(text).replace(re.escape("%(reference)s"), r"(?P<reference>\S+)"))


_PATTERNS = tuple((_pattern(text), text) for text in _TEXTS)


def kept_reason(*, reference: str, gdpr: bool) -> str:
    """The reason to store, in English: GDPR's articles only for a GDPR request."""
    return (KEPT_GDPR if gdpr else KEPT_BY_LAW) % {"reference": reference}


def shown(stored: str) -> str:
    """``stored`` in the active language when it is one of the texts above."""
    for pattern, text in _PATTERNS:
        match = pattern.fullmatch(stored)
        if match:
            return gettext(text) % match.groupdict()
    return stored
