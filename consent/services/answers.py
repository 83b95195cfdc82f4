"""The one answer to "may we?": :func:`may_use` and :func:`may_provide`.

Both read the consent records, withdrawals and processing restrictions at
the moment of asking, so a withdrawal or an approved stop-use request changes
the answer at once. Never cache the answer across a decision.
"""

from __future__ import annotations

import datetime

from .. import selectors
from ..models import (
    Purpose,
    Recipient,
)

MARKETING = "marketing"


def may_use(subject, purpose: Purpose | str, *, at: datetime.datetime | None = None) -> bool:
    """May ``subject``'s personal data be used for ``purpose`` now (or at ``at``)?

    ``purpose`` is a :class:`Purpose` or its code (an unknown code raises
    ``Purpose.DoesNotExist``: a typo must never read as "allowed").

    False when the purpose is retired, or a :class:`ProcessingRestriction` of
    scope "use" for this purpose or for every purpose is in force. Otherwise
    a required purpose (contract, accepted policy) is True, and an optional
    one is True only when the customer's latest choice for it is "granted":
    a withdrawal, a refusal at sign-up or no choice at all mean False.
    """
    if isinstance(purpose, str):
        purpose = selectors.purpose_by_code(purpose)
    return selectors.subjects_allowed_for_use(purpose, at=at).filter(pk=subject.pk).exists()


def may_provide(
    subject,
    recipient: Recipient,
    *,
    purpose: Purpose | str | None = None,
    at: datetime.datetime | None = None,
) -> bool:
    """May ``subject``'s personal data be provided to ``recipient`` now (or at ``at``)?

    False for an inactive recipient, for a public authority (that happens only
    under law, recorded as an :class:`AuthorityRequest` or a provision record
    with ground "law"), and while a :class:`ProcessingRestriction` of scope
    "provision" for this recipient or for every recipient is in force.
    Otherwise a subcontractor may receive data for one of its purposes that
    :func:`may_use` allows (outsourcing, APPI Art. 27(5)(i)); an affiliate or a
    third party needs consent (APPI Art. 27(1)): one of its purposes must be
    optional and granted by the customer. ``purpose`` narrows the question to
    that purpose.
    """
    if isinstance(purpose, str):
        purpose = selectors.purpose_by_code(purpose)
    allowed = selectors.subjects_allowed_for_provision(recipient, purpose=purpose, at=at)
    return allowed.filter(pk=subject.pk).exists()
