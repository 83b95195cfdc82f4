"""What the law lets a company charge for, and on what basis (docs/legal.md).

- APPI art. 38: disclosure (incl. records of third-party provision) and
  notice of purposes of use, at the published fee; never correction,
  stop-use or deletion.
- GDPR 12(5) / 15(3) and CCPA: free, except a manifestly unfounded or
  excessive request, or (GDPR) a further copy.

Pure rules on the request's kind and regime: the models validate published
fees with them and the workflow reads them, so they import nothing above
:mod:`rights.choices`. Asking, paying and refunding fees: :mod:`rights.fees`.
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


def fee_basis_for(request, *, further_copy: bool = False) -> str | None:
    """The basis on which a fee may be asked for ``request`` now, or None if it must be free.

    APPI: the published fee for disclosure and notice of purposes (art. 38).
    GDPR / CCPA: only once staff marked the request manifestly unfounded or
    excessive (GDPR 12(5)), or for a further copy of a GDPR access request
    (15(3)).
    """
    if request.kind not in CHARGEABLE_KINDS:
        return None
    if request.regime == Regime.APPI:
        return FeeBasis.PUBLISHED
    if request.unfounded:
        return FeeBasis.UNFOUNDED
    if further_copy and request.regime == Regime.GDPR and request.kind == Kind.DISCLOSURE:
        return FeeBasis.FURTHER_COPY
    return None
