"""Planning a deletion request as steps (:class:`DeferredErasure`), once.

What no hold keeps is due today, data under a rule with a legal obligation is
due the day after its period ends, data under a staff hold the day after the
hold ends or once it is released.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from portal.kernel.dates import portal_day
from portal.kernel.registry import ModelSource, Source, registry

from .holds import keep_until as K
from .holds import selectors as H
from .models import DeferredErasure, LegalHold
from .scope import erase_categories, is_account_source, requested_scope, rules_by_code, services_q

Step = DeferredErasure


def _plan_source(
    request, source: Source, category: str, *, services, rules, holds, today, closing
) -> list[Step]:
    """``rules``: every rule that keeps the source's records; a record under several
    obligations waits for the one that keeps it longest."""
    subject = request.subject
    common = {"request": request, "subject": subject, "source": source.key, "category": category}
    obligations = [rule for rule in rules if rule.obligation]
    if not isinstance(source, ModelSource):
        # An external source is kept or erased as a whole.
        kept_by = next((h for h in holds if h.subject_id in (None, subject.pk)), None) or next(
            iter(obligations), None
        )
        if isinstance(kept_by, LegalHold):
            return [Step(**common, reason=Step.Reason.HOLD, legal_hold=kept_by)]
        if kept_by is not None:
            return [Step(**common, reason=Step.Reason.RETENTION, rule=kept_by)]
        return [Step(**common, reason=Step.Reason.REQUEST, not_before=today)]

    remaining = source.queryset(subject).filter(services_q(source, services))
    erased = H.already_erased_q(source, category)
    if erased is not None:
        remaining = remaining.exclude(erased)
    steps = []
    # Open-ended holds first, then the longest: a record goes with the hold that ends last.
    ordered = sorted(
        holds, key=lambda h: (h.ends_on is not None, -(h.ends_on or today).toordinal())
    )
    for hold in ordered:
        condition = H.hold_q(hold, source, category)
        ids = list(remaining.filter(condition).order_by("pk").values_list("pk", flat=True))
        if ids:
            steps.append(
                Step(
                    **common,
                    reason=Step.Reason.HOLD,
                    legal_hold=hold,
                    record_ids=ids,
                    not_before=hold.ends_on + dt.timedelta(days=1) if hold.ends_on else None,
                )
            )
            remaining = remaining.exclude(condition)
    if obligations:
        condition = H.rules_held_q(obligations, source, today)
        field = H.record_date_field(source)
        rows = list(
            remaining.filter(condition).order_by("pk").values("pk", *([field] if field else []))
        )
        groups = K.rules_keep_until(obligations, source, subject, rows, closing=closing)
        for (until, rule), ids in sorted(
            groups.items(), key=lambda item: (item[0][0] or dt.date.max, item[0][1].code)
        ):
            steps.append(
                Step(
                    **common,
                    reason=Step.Reason.RETENTION,
                    rule=rule,
                    record_ids=ids,
                    not_before=until + dt.timedelta(days=1) if until else None,
                )
            )
        remaining = remaining.exclude(condition)
    found = remaining.aggregate(max_pk=Max("pk"), count=Count("pk"))
    if found["max_pk"] is not None:
        step = Step(
            **common,
            reason=Step.Reason.REQUEST,
            max_pk=found["max_pk"],
            services=list(services),
            not_before=today,
        )
        step.planned_count = found["count"]  # shown in the preview, part of its fingerprint
        steps.append(step)
    return steps


def _account_step(request, source: Source, category: str, *, holds, today) -> Step:
    """The login account's data, erased right after the final notice to its address;
    kept as long as a hold over it lasts (the step says which, and from when)."""
    not_before = today + dt.timedelta(days=settings.RIGHTS_NOTICE_ERASE_GRACE_DAYS)
    account = source.queryset(request.subject)
    holding = None
    # Open-ended holds first, then the longest, as for the other sources.
    for hold in sorted(
        holds, key=lambda h: (h.ends_on is not None, -(h.ends_on or today).toordinal())
    ):
        if account.filter(H.hold_q(hold, source, category)).exists():
            holding = hold
            break
    if holding is not None:
        ends = holding.ends_on
        not_before = max(not_before, ends + dt.timedelta(days=1)) if ends else None
    return Step(
        request=request,
        subject=request.subject,
        source=source.key,
        category=category,
        reason=Step.Reason.NOTICE,
        legal_hold=holding,
        not_before=not_before,
    )


def deletion_plan(request, *, today: dt.date | None = None) -> list[Step]:
    """Plan a deletion request as steps, once; return its steps.

    Must run with the request locked. The login account itself is erased only
    when the account is closed, and then right after the final notice to its
    address has been sent (reason "notice").
    """
    if request.erasure_planned_at is None:
        # What the workflow checks before the deletion may be completed.
        request.erasure_planned_at = timezone.now()
        request.save(update_fields=["erasure_planned_at"])
    existing = list(request.deferred_erasures.order_by("pk"))
    if existing:
        return existing
    Step.objects.bulk_create(plan_steps(request, today=today or portal_day()))
    return list(request.deferred_erasures.order_by("pk"))


def plan_steps(request, *, today: dt.date) -> list[Step]:
    """The steps of the request's plan, unsaved: the same steps for the same data,
    holds and rules, so the plan staff are shown is the plan that is stored."""
    categories, services, closing = requested_scope(request)
    rules = rules_by_code()
    holds = H.active_holds(subject=request.subject, on=today)
    steps: list[Step] = []
    for source in registry.sources():
        chosen = erase_categories(source, categories)
        if not chosen:
            continue
        if is_account_source(source):
            if closing:
                steps += [
                    _account_step(request, source, category, holds=holds, today=today)
                    for category in chosen
                ]
            continue
        for category in chosen:
            steps += _plan_source(
                request,
                source,
                category,
                services=services,
                rules=K.source_rules(source, rules),
                holds=holds,
                today=today,
                closing=closing,
            )
    return steps
