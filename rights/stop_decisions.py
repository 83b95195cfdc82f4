"""Stop-use and stop-provision requests: what is asked, and the decision that
enforces it (APPI art. 35, GDPR arts. 18 and 21).

A stop-use request stores ``scope["purposes"]`` (purpose codes) or
``scope["everything"]``; a stop-provision request ``scope["recipients"]``
(recipient ids) or ``scope["everything"]``. Each is a *target*. Staff decide
each target:

* **stop** — a :class:`consent.models.ProcessingRestriction` is created at
  once (for the purpose, every use, the recipient or every recipient), so
  :func:`consent.services.may_use` / :func:`~consent.services.may_provide`
  answer False from that moment: the marketing job skips the customer and a
  provision record to that recipient is refused.
* **alternative measure** — only under APPI, where stopping would be very
  costly or otherwise difficult and a measure that protects the person's
  rights is taken instead (APPI art. 35(2), (4) and (6), provisos). Staff
  describe the measure and the reason; the person is told both.
* **decline** — nothing changes; the reason (and, when nothing is granted,
  the legal ground) is told.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from consent.models import ConsentRecord, ProcessingRestriction, Purpose, Recipient
from consent.selectors import current_choices, restrictions_in_force_for
from consent.services import may_provide, may_use, restriction_create

from .choices import EventKind, Kind, Regime, Status
from .models import RightsRequest
from .review_decisions import check_reason, finish, lock_for_decision

STOP = "stop"
ALTERNATIVE = "alternative"
DECLINE = "decline"
DECISIONS = {
    # Its own context: a bare "Stop" is also a table header ("kind of stop").
    STOP: pgettext_lazy("stop decision", "Stop"),
    ALTERNATIVE: gettext_lazy("Alternative measure (APPI 35)"),
    DECLINE: gettext_lazy("Decline"),
}
EVERYTHING = "all"


@dataclass(frozen=True)
class Target:
    """One thing the person asked us to stop: a purpose, a recipient, or all of them."""

    key: str
    purpose: object = None
    recipient: object = None

    @property
    def label(self) -> str:
        if self.purpose is not None:
            return self.purpose.title
        if self.recipient is not None:
            return self.recipient.name
        return target_label(self.key)


def _scope_of(kind: str) -> str:
    if kind == Kind.STOP_USE:
        return ProcessingRestriction.Scope.USE
    return ProcessingRestriction.Scope.PROVISION


def requested_targets(request: RightsRequest) -> list[Target]:
    scope = request.scope or {}
    if scope.get("everything"):
        return [Target(EVERYTHING)]
    if request.kind == Kind.STOP_USE:
        codes = [str(c) for c in scope.get("purposes") or []]
        found = {p.code: p for p in Purpose.objects.filter(code__in=codes)}
        return [Target(f"purpose:{c}", purpose=found[c]) for c in codes if c in found]
    ids = [int(pk) for pk in scope.get("recipients") or [] if str(pk).isdigit()]
    found = {r.pk: r for r in Recipient.objects.filter(pk__in=ids)}
    return [Target(f"recipient:{pk}", recipient=found[pk]) for pk in ids if pk in found]


def target_label(key: str) -> str:
    """What a target is called, in the active language."""
    if key == EVERYTHING:
        return _("Everything")
    kind, _sep, value = key.partition(":")
    if kind == "purpose":
        purpose = Purpose.objects.filter(code=value).first()
        return purpose.title if purpose else value
    recipient = Recipient.objects.filter(pk=value).first() if value.isdigit() else None
    return recipient.name if recipient else value


def in_force(request: RightsRequest, target: Target):
    """The restriction already in force for this target, if any."""
    return (
        restrictions_in_force_for(request.subject)
        .filter(
            scope=_scope_of(request.kind),
            purpose=target.purpose,
            recipient=target.recipient,
        )
        .first()
    )


@dataclass(frozen=True)
class TargetState:
    """What happens to a target now: stopped by a restriction, not in use (a consent
    withdrawn or refused, a retired purpose, an inactive recipient), or in use."""

    restriction: ProcessingRestriction | None = None
    in_use: bool = True
    choice: ConsentRecord | None = None  # the customer's withdrawal or refusal, if any


def current_state(request: RightsRequest, target: Target) -> TargetState:
    """The "now" of a target, read from the same answers the jobs use (``may_use``)."""
    restriction = in_force(request, target)
    if restriction is not None:
        return TargetState(restriction=restriction, in_use=False)
    subject = request.subject
    if target.purpose is not None and not may_use(subject, target.purpose):
        choice = current_choices(subject).get(target.purpose.pk)
        if choice is not None and choice.action == ConsentRecord.Action.GRANTED:
            choice = None
        return TargetState(in_use=False, choice=choice)
    if target.recipient is not None and not may_provide(subject, target.recipient):
        return TargetState(in_use=False)
    return TargetState()


def decision_status(
    request: RightsRequest, *, decisions: Mapping[str, str], measure: str = ""
) -> str:
    """The status a stop decision closes ``request`` with: everything stopped,
    completed; nothing stopped and no alternative measure, rejected; otherwise
    partially completed. ValidationError when the decision is incomplete or not
    allowed. Nothing is locked or written (the confirmation page asks it first)."""
    targets = requested_targets(request)
    if not targets:
        raise ValidationError(_("This request names nothing to stop."))
    chosen = {t.key: decisions.get(t.key) for t in targets}
    if any(d not in DECISIONS for d in chosen.values()):
        raise ValidationError(_("Decide every item the person asked to stop."))
    alternatives = [k for k, d in chosen.items() if d == ALTERNATIVE]
    if alternatives and request.regime != Regime.APPI:
        raise ValidationError(
            _(
                "An alternative measure is allowed only under APPI (art. 35(2), (4)): stop "
                "the use or provision, or decline with a ground."
            )
        )
    if alternatives and not measure.strip():
        raise ValidationError(_("Describe the alternative measure; the requester is told it."))
    stopped = [k for k, d in chosen.items() if d == STOP]
    if len(stopped) == len(targets):
        return Status.COMPLETED
    if stopped or alternatives:
        return Status.PARTIALLY_COMPLETED
    return Status.REJECTED


def stop_decide(
    *,
    request: RightsRequest,
    decisions: Mapping[str, str],
    actor,
    measure: str = "",
    reason: str = "",
    ground: str = "",
    http_request=None,
) -> RightsRequest:
    """Carry out the staff's decision on each target and close the request.

    ``decisions`` maps each target's key to :data:`STOP`, :data:`ALTERNATIVE`
    or :data:`DECLINE`. Everything stopped: completed. Nothing stopped and no
    alternative measure: rejected (reason and ground). Otherwise partially
    completed, with the reason the rest is not stopped. ValidationError with a
    message for staff, and nothing written, when the decision is incomplete or
    not allowed.
    """
    to = decision_status(request, decisions=decisions, measure=measure)
    targets = requested_targets(request)
    chosen = {t.key: decisions.get(t.key) for t in targets}
    alternatives = [k for k, d in chosen.items() if d == ALTERNATIVE]
    stopped = [t for t in targets if chosen[t.key] == STOP]

    source = (
        ProcessingRestriction.Source.STOP_USE_REQUEST
        if request.kind == Kind.STOP_USE
        else ProcessingRestriction.Source.STOP_PROVISION_REQUEST
    )
    with transaction.atomic():
        locked = lock_for_decision(request, {Kind.STOP_USE, Kind.STOP_PROVISION})
        check_reason(kind=locked.kind, regime=locked.regime, to=to, reason=reason, ground=ground)
        restrictions = []
        for target in stopped:
            existing = in_force(locked, target)
            if existing is None:
                existing = restriction_create(
                    subject=locked.subject,
                    scope=_scope_of(locked.kind),
                    source=source,
                    purpose=target.purpose,
                    recipient=target.recipient,
                    source_reference=f"rights.rightsrequest:{locked.pk}",
                    reason=_("Approved request %(ref)s") % {"ref": locked.reference},
                    actor=actor,
                    request=http_request,
                )
            restrictions.append(existing.pk)
        outcome = {
            "kind": "stop",
            "scope": _scope_of(locked.kind),
            "stopped": [t.key for t in stopped],
            "alternative": alternatives,
            "measure": measure.strip() if alternatives else "",
            "declined": [k for k, d in chosen.items() if d == DECLINE],
            "restrictions": restrictions,
        }
        finish(
            locked,
            to=to,
            actor=actor,
            reason=reason,
            ground=ground,
            event_kind=EventKind.STOP,
            outcome=outcome,
            audit_action="request.stop_decided",
            audit_details={
                k: outcome[k] for k in ("stopped", "alternative", "declined", "restrictions")
            },
            http_request=http_request,
        )
    request.refresh_from_db()
    return request


def outcome_lines(outcome: dict) -> dict:
    """The stop decision in words of the active language, for the notice and timelines."""
    return {
        "use": outcome.get("scope") == "use",
        "stopped": [target_label(k) for k in outcome.get("stopped", [])],
        "alternative": [target_label(k) for k in outcome.get("alternative", [])],
        "measure": outcome.get("measure", ""),
        "declined": [target_label(k) for k in outcome.get("declined", [])],
    }
