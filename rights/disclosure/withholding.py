"""Withholding records from a disclosure (APPI Art. 33(2), 33(5); GDPR Art. 15(4)).

Staff choose, in the review, records to leave out of one disclosure, each on a
ground from :class:`~rights.disclosure.models.WithheldRecord.Ground`. The
package omits them and tells the person what kind of data was withheld, how
many records and on which ground (:func:`withheld_summary`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.kernel.audit import audit_log
from portal.kernel.registry import RecordNotFound, registry
from rights.choices import Kind, Regime, Status
from rights.models import RightsRequest

from .models import WithheldRecord

#: Before the package is built: the review (and the waits that may precede it).
OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.AWAITING_VERIFICATION,
    Status.IN_REVIEW,
    Status.AWAITING_CUSTOMER,
    Status.AWAITING_PAYMENT,
)

#: Grounds of one regime's law only: the person is told the ground, so it must be a law
#: they are under. The APPI's grounds withhold from any request: the company is a
#: business in Japan, whatever law the person is also under.
_ONLY_UNDER = {WithheldRecord.Ground.OTHERS_RIGHTS: frozenset({Regime.GDPR})}


def withhold_grounds(regime: str) -> list[tuple[str, str]]:
    """(value, label) of the grounds a record may be withheld on under ``regime``."""
    return [
        (value, label)
        for value, label in WithheldRecord.Ground.choices
        if regime in _ONLY_UNDER.get(value, (regime,))
    ]


def _check_open(request: RightsRequest) -> None:
    if request.kind != Kind.DISCLOSURE or request.status not in OPEN_STATUSES:
        raise ValidationError(
            _("Records can be withheld only from a disclosure request not yet in progress.")
        )


def record_withhold(
    *, request: RightsRequest, record: str, ground: str, note: str = "", actor, http_request=None
) -> WithheldRecord:
    """Withhold one of the subject's records from ``request``'s disclosure.

    ``record`` is "source:id" (e.g. ``consent.provisionrecord:7``). Raises
    ValidationError with a message for staff (and writes nothing) for another
    kind of request, one already in progress, an unknown ground, a record
    that is not the subject's, or one already withheld.
    """
    key, _sep, record_id = (record or "").strip().partition(":")
    if ground not in WithheldRecord.Ground.values:
        raise ValidationError(_("Choose a ground from the list."))
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        _check_open(locked)
        if locked.subject is None:
            raise ValidationError(_("The request has no data subject yet."))
        if ground not in dict(withhold_grounds(locked.regime)):
            raise ValidationError(
                _(
                    "This ground is one of the GDPR only, and the requester is told it: it "
                    "cannot withhold a record from a request under %(regime)s."
                )
                % {"regime": Regime(locked.regime).label}
            )
        try:
            found = registry.source(key).record(locked.subject, record_id)
        except RecordNotFound:
            raise ValidationError(
                _("“%(ref)s” is not a record of this customer; write it as source:id.")
                % {"ref": record}
            ) from None
        ref = f"{key}:{found.id}"
        if locked.withheld_records.filter(record=ref).exists():
            raise ValidationError(_("“%(ref)s” is already withheld.") % {"ref": ref})
        withheld = WithheldRecord(
            request=locked,
            record=ref,
            service=found.service or "",
            ground=ground,
            note=(note or "").strip(),
            withheld_by=actor,
        )
        withheld.full_clean()
        withheld.save()
        audit_log(
            action="disclosure.record_withheld",
            actor=actor,
            target=locked,
            subject=locked.subject,
            request=http_request,
            details={"request": locked.reference, "record": ref, "ground": ground},
        )
    return withheld


def record_withhold_cancel(*, withheld: WithheldRecord, actor, http_request=None) -> None:
    """Disclose a withheld record after all (only before the package is built)."""
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=withheld.request_id)
        _check_open(locked)
        deleted, _rows = WithheldRecord.objects.filter(pk=withheld.pk).delete()
        if deleted:
            audit_log(
                action="disclosure.record_withholding_cancelled",
                actor=actor,
                target=locked,
                subject=locked.subject,
                request=http_request,
                details={"request": locked.reference, "record": withheld.record},
            )


@dataclass(frozen=True)
class WithheldPart:
    """What the person is told: a kind of data, how many records, the ground."""

    data: str
    count: int
    ground: str
    ground_text: str


def withheld_summary(rights_request) -> list[WithheldPart]:
    """The withheld records grouped by source and ground, in the active language."""
    if not rights_request.pk:
        return []
    groups: dict[tuple[str, str], int] = {}
    for row in rights_request.withheld_records.order_by("record"):
        groups[(row.source_key, row.ground)] = groups.get((row.source_key, row.ground), 0) + 1
    return [
        WithheldPart(
            data=str(registry.source(key).label),
            count=count,
            ground=ground,
            ground_text=str(WithheldRecord.Ground(ground).label),
        )
        for (key, ground), count in groups.items()
    ]


def withheld_statement(rights_request) -> str:
    """The sentence a partly completed disclosure gives as its reason."""
    parts = withheld_summary(rights_request)
    lines = [_("We disclosed your data except the following, which we withheld:")]
    lines += [
        "- "
        + _("%(data)s, %(count)d record(s): %(ground)s")
        % {"data": p.data, "count": p.count, "ground": p.ground_text}
        for p in parts
    ]
    return "\n".join(lines)
