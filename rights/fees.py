"""Fees: which requests may be charged, asking a fee, recording payment, waiver and refund.

The law allows a fee only for some requests (LEGAL.md):
- APPI art. 38: disclosure (incl. records of third-party provision) and
  notice of purposes of use, at a published, reasonable amount; never for
  correction, stop-use or deletion.
- GDPR 12(5) / 15(3) and CCPA: free, except a manifestly unfounded or
  excessive request (staff mark it with a reason) or, under GDPR, further
  copies; the person is told the fee before being charged.

Every write here runs in one transaction with its audit event; status changes
go through :func:`rights.workflow.transition`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import CHARGEABLE_KINDS, FeeBasis, Kind, Regime


def check_fee_allowed(*, kind: str, regime: str, basis: str) -> None:
    """Raise ValidationError unless the law allows a fee of ``basis`` for ``kind``/``regime``."""
    if kind not in CHARGEABLE_KINDS:
        label = Kind(kind).label if kind in Kind.values else kind
        raise ValidationError(
            _(
                "No fee may be charged for “%(kind)s”: the law allows fees only for disclosure "
                "and notice of purposes (APPI art. 38); correction, stop of use, stop of "
                "provision and deletion are always free."
            )
            % {"kind": label},
            code="not_chargeable",
        )
    if regime == Regime.APPI and basis != FeeBasis.PUBLISHED:
        raise ValidationError(
            _("Under APPI the fee is the published fee (art. 38)."), code="wrong_basis"
        )
    if regime != Regime.APPI and basis == FeeBasis.PUBLISHED:
        raise ValidationError(
            _(
                "Under GDPR and CCPA requests are free; a fee may be asked only for a manifestly "
                "unfounded or excessive request, or a further copy (GDPR 12(5), 15(3))."
            ),
            code="wrong_basis",
        )
    if basis == FeeBasis.FURTHER_COPY and (regime != Regime.GDPR or kind != Kind.DISCLOSURE):
        raise ValidationError(
            _("A fee for further copies exists only for GDPR access requests (art. 15(3))."),
            code="wrong_basis",
        )
