"""The erasure plan shown before a deletion is carried out, and its confirmation.

Moving a deletion to "in progress" erases at once, so staff first see the plan:
what is erased, what is anonymised, what is kept and until when, under which
retention rule or legal hold (:func:`erasure_preview`). The page sends back the
plan's fingerprint with the confirmation; :func:`plan_confirm` plans again under
the request's lock and stores the steps only when the fingerprint is the same.
The stored steps are the ones the executor runs (``deletion_plan`` returns stored
steps), so the plan shown is the plan executed. When the plan changed in between
(a record added, a hold placed or released, a day passed), :class:`PlanChanged`
carries the new plan and nothing is stored or moved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.kernel.audit import audit_log
from portal.kernel.dates import portal_day
from portal.kernel.registry import ModelSource, registry
from rights.choices import Kind, Regime, Status
from rights.models import RightsRequest
from rights.workflow import transition

from .models import DeferredErasure, RetentionRule
from .planning import plan_steps
from .scope import account_kept
from .steps import download_kept_until
from .texts import data_label

Step = DeferredErasure

ERASE, ANONYMISE, KEEP, AFTER_NOTICE = "erase", "anonymise", "keep", "after_notice"
ACTIONS = {
    ERASE: _("Erased now"),
    ANONYMISE: _("Anonymised now: the record stays, its personal data is overwritten"),
    KEEP: _("Kept"),
    AFTER_NOTICE: _("Erased once the final notice is sent"),
}


@dataclass(frozen=True)
class PlanLine:
    source: str  # the registry key, e.g. "portal.invoice"
    data: str
    action: str
    count: int | None  # None: an external system, erased or kept as a whole
    until: dt.date | None  # the last day kept (KEEP), the day erased (AFTER_NOTICE)
    basis: str  # the retention rule or legal hold that keeps it

    @property
    def action_label(self) -> str:
        return str(ACTIONS[self.action])


@dataclass(frozen=True)
class ErasurePlan:
    lines: list[PlanLine]
    account_kept: bool
    fingerprint: str


class PlanChanged(Exception):
    """The plan is not the one staff confirmed; ``plan`` is the plan now."""

    def __init__(self, plan: ErasurePlan):
        super().__init__("The erasure plan changed since it was shown.")
        self.plan = plan


def _rule_basis(rule: RetentionRule, regime: str) -> str:
    """The rule that keeps a record, citing the request's own law only: a rule whose
    statute binds another regime's requests (e.g. CCPA regs §7101 under an APPI
    request) keeps it as the company's own record, or for legal claims under the GDPR
    (art. 17(3)(e)), as the customer's statement says."""
    if not rule.regime or rule.regime == regime:
        return rule.display_statute or rule.display_name
    if regime == Regime.GDPR:
        return gettext("%(rule)s: kept for legal claims (GDPR art. 17(3)(e))") % {
            "rule": rule.display_name
        }
    return gettext("%(rule)s: kept as the company's own record") % {"rule": rule.display_name}


def _line(step: Step, regime: str) -> PlanLine:
    source = registry.source(step.source)
    data = data_label(step.category, source.label)
    count = getattr(step, "planned_count", None)
    if step.record_ids:
        count = len(step.record_ids)
    if not isinstance(source, ModelSource):
        count = None
    until = step.not_before - dt.timedelta(days=1) if step.not_before else None
    if step.reason == Step.Reason.REQUEST:
        action = ERASE if source.erasure == "delete" else ANONYMISE
        return PlanLine(step.source, data, action, count, None, "")
    if step.reason == Step.Reason.NOTICE and step.legal_hold is None:
        # The step waits while a copy is still downloadable through the follow link
        # of the address it erases (steps.answers_awaited): the day after its last day.
        day = step.not_before
        kept = download_kept_until(step)
        if kept is not None:
            day = max(day, portal_day(kept) + dt.timedelta(days=1))
        return PlanLine(step.source, data, AFTER_NOTICE, count, day, "")
    if step.legal_hold is not None:
        basis = gettext("Legal hold %(hold)s: %(basis)s") % {
            "hold": step.legal_hold,
            "basis": step.legal_hold.legal_basis,
        }
    else:
        basis = _rule_basis(step.rule, regime) if step.rule else ""
    return PlanLine(step.source, data, KEEP, count, until, basis)


def _fingerprint(steps: list[Step], account_kept: bool) -> str:
    rows = [
        [
            s.source,
            s.category,
            s.reason,
            s.rule_id,
            s.legal_hold_id,
            s.record_ids,
            s.max_pk,
            s.services,
            s.not_before.isoformat() if s.not_before else None,
            getattr(s, "planned_count", None),
        ]
        for s in steps
    ]
    text = json.dumps([rows, account_kept], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _plan(request: RightsRequest, steps: list[Step]) -> ErasurePlan:
    kept_account = account_kept(request)
    return ErasurePlan(
        lines=[_line(step, request.regime) for step in steps],
        account_kept=kept_account,
        fingerprint=_fingerprint(steps, kept_account),
    )


def erasure_preview(request: RightsRequest, *, today: dt.date | None = None) -> ErasurePlan:
    """The plan the deletion would carry out now; nothing is written."""
    return _plan(request, plan_steps(request, today=today or portal_day()))


def plan_confirm(
    *,
    request: RightsRequest,
    fingerprint: str,
    actor,
    http_request=None,
    today: dt.date | None = None,
) -> RightsRequest:
    """Store the plan staff saw and move the deletion to "in progress", which runs it.

    PlanChanged (nothing written) when the plan now differs from ``fingerprint``;
    ValidationError when the request is not a deletion awaiting its plan.
    """
    today = today or portal_day()
    with transaction.atomic():
        locked = (
            RightsRequest.objects.select_for_update(of=("self",))
            .select_related("subject")
            .get(pk=request.pk)
        )
        if locked.kind != Kind.DELETION or locked.subject is None:
            raise ValidationError(gettext("Only a deletion with its data subject has a plan."))
        if locked.deferred_erasures.exists() or locked.status == Status.IN_PROGRESS:
            raise ValidationError(gettext("This deletion's plan is already confirmed."))
        steps = plan_steps(locked, today=today)
        plan = _plan(locked, steps)
        if plan.fingerprint != fingerprint:
            raise PlanChanged(plan)
        locked.erasure_planned_at = timezone.now()
        locked.save(update_fields=["erasure_planned_at"])
        Step.objects.bulk_create(steps)
        audit_log(
            action="request.erasure_plan_confirmed",
            actor=actor,
            subject=locked.subject,
            target=locked,
            request=http_request,
            details={"fingerprint": fingerprint, "steps": len(steps)},
        )
        transition(locked, to=Status.IN_PROGRESS, actor=actor, http_request=http_request)
    request.refresh_from_db()
    return request
