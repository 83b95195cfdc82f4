"""What the confirmation page of a staff action that closes a request says will
happen (:mod:`portal.kernel.admin_confirm`): the status it ends in, what the
person is told (the legal ground, the reason as staff typed it), and for a
decision what is changed, stopped or kept as it is.

The working page's buttons for these actions ask first: a status button that
closes the request, the correction and stop decisions, "not verified", and
"sent by post". Each view checks what it can before the page is shown, so a
move the workflow would refuse is refused at once, not after confirming.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from portal.kernel.admin_confirm import Confirmation, Line
from portal.kernel.personal_data import yen
from portal.kernel.wording import listed

from . import correction, stop_decisions, workflow
from .choices import (
    DeliveryMethod,
    Kind,
    PaymentMethod,
    PaymentStatus,
    RejectionGround,
    Status,
    told_ground,
)
from .connectors.models import Operation
from .connectors.planning import asked_outside, stop_instructions, stopped_recipients
from .models import OPEN_STATUSES, Payment, RightsRequest
from .notifications import recipients_of
from .payment_transitions import check_paid, check_payment_transition
from .requesters.verification import rejection_reason
from .review_decisions import check_decidable, check_reason, outcome_status

#: Moves that close the request and tell the person the answer: a status button
#: for one of them asks for confirmation first.
CONFIRMED_MOVES = frozenset(set(Status.values) - set(OPEN_STATUSES))

# The status a request is closed with -> (title, what happens and what the person
# is told, the confirming button).
_CLOSING = {
    Status.REJECTED: (
        gettext_lazy("Reject %(ref)s?"),
        gettext_lazy("The request is closed as rejected: the requester is told it is refused."),
        gettext_lazy("Reject the request"),
    ),
    Status.WITHDRAWN: (
        gettext_lazy("Close %(ref)s as withdrawn?"),
        gettext_lazy("The request is closed as withdrawn for the person, who is told so."),
        gettext_lazy("Close as withdrawn"),
    ),
    Status.EXPIRED: (
        gettext_lazy("Close %(ref)s as expired?"),
        gettext_lazy("The request is closed as expired: the requester is told so."),
        gettext_lazy("Close as expired"),
    ),
    Status.COMPLETED: (
        gettext_lazy("Complete %(ref)s?"),
        gettext_lazy("The request is closed as completed: the requester is told the outcome."),
        gettext_lazy("Complete the request"),
    ),
    Status.PARTIALLY_COMPLETED: (
        gettext_lazy("Complete %(ref)s in part?"),
        gettext_lazy(
            "The request is closed as partially completed: the requester is told what is done "
            "and what is not."
        ),
        gettext_lazy("Complete in part"),
    ),
}


def language_name(code: str) -> str:
    """The name of a language in the reader's language: "Japanese", "日本語"."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def who_is_told(obj: RightsRequest, *, kind: str) -> str:
    """The addresses a closing notice goes to, each with its language and, on a request
    made for someone else, whose address it is: a legal representative is told in the
    person's place (APPI art. 37), an appointed agent's principal receives a copy."""
    identity = getattr(obj, "identity", None)
    capacity = identity.get_capacity_display() if identity is not None else ""
    named = []
    for recipient in recipients_of(obj, kind):
        values = {"email": recipient.email, "language": language_name(recipient.language)}
        if recipient.principal:
            text = _("%(email)s, in %(language)s (the person the request is about)")
        elif identity is not None and identity.by_agent:
            text = _("%(email)s, in %(language)s (the requester: %(capacity)s)")
            values["capacity"] = capacity
        else:
            text = _("%(email)s, in %(language)s")
        named.append(text % values)
    return listed(named)


def closing(
    obj: RightsRequest, *, to: str, reason: str = "", ground: str = "", before=()
) -> Confirmation:
    """The page for closing ``obj`` as ``to``: ``before`` (what a decision does), then
    the status, the ground and the reason the person is told."""
    title, told, button = _CLOSING[to]
    lines = [*before, Line(str(told))]
    recipients = who_is_told(obj, kind=to)
    if recipients:
        lines.append(Line(_("Who is told: %(recipients)s") % {"recipients": recipients}))
    if ground:
        told = told_ground(ground, obj.regime, obj.kind)
        lines.append(Line(_("The legal ground they are told: %(ground)s") % {"ground": told}))
    reason = (reason or "").strip()
    if reason:
        lines.append(Line(_("The reason they are told:"), reason))
    pending = obj.payments.filter(status=PaymentStatus.PENDING).first()
    if pending is not None:
        text = (
            _("The fee %(reference)s awaiting payment expires with the request.")
            if to == Status.EXPIRED
            else _("The fee %(reference)s awaiting payment is cancelled.")
        )
        lines.append(Line(text % {"reference": pending.reference}))
    paid = obj.payments.filter(status=PaymentStatus.PAID).first()
    if paid is not None and to not in (Status.COMPLETED, Status.PARTIALLY_COMPLETED):
        text = _(
            "The fee %(reference)s was paid and stays paid: record a refund in the fee "
            "section if it is to be returned."
        )
        lines.append(Line(text % {"reference": paid.reference}))
    return Confirmation(
        title=str(title) % {"ref": obj.reference},
        lines=lines,
        button=str(button),
        final=_("A closed request cannot be reopened."),
    )


def transition_confirmation(
    obj: RightsRequest, *, to: str, actor, reason: str, ground: str
) -> Confirmation:
    """A status button that closes ``obj``. TransitionError, with the workflow's words,
    when the move would be refused now."""
    workflow.check_transition(obj, to=to, actor=actor, reason=reason, ground=ground)
    return closing(obj, to=to, reason=reason, ground=ground)


_CORRECTION = {Kind.CORRECTION}
_STOPS = {Kind.STOP_USE, Kind.STOP_PROVISION}


def _decision(
    obj: RightsRequest, *, kinds, to: str, reason: str, ground: str, before, outside=()
) -> Confirmation:
    """A review decision closing ``obj`` as ``to``; ValidationError as the decision
    would raise for a request not awaiting one, or a reason or ground missing.
    ``outside``: the systems and recipients asked to apply it too, which the request
    waits for (``rights.connectors.planning.decision_followups``)."""
    check_decidable(obj, kinds)
    check_reason(kind=obj.kind, regime=obj.regime, to=to, reason=reason, ground=ground)
    if outside:
        text = _(
            "Systems outside this database are asked to act too: %(names)s. The request "
            "stays in progress until they have all answered; then it is closed as follows."
        )
        # "Inc." ending the list ends the sentence with its own period.
        before = [*before, Line(text % {"names": listed(outside).rstrip(".")})]
    return closing(obj, to=to, reason=reason, ground=ground, before=before)


def correction_confirmation(
    obj: RightsRequest, *, approve, reason: str, ground: str
) -> Confirmation:
    """A correction decided on its before/after review: each change written or not."""
    chosen = set(approve)
    rows = correction.review(obj)
    before = []
    for row in rows:
        if row.change.index in chosen:
            text = _("Written to the person's data: %(label)s, “%(before)s” → “%(after)s”.") % {
                "label": row.label,
                "before": row.current,
                "after": row.requested,
            }
        else:
            text = _("Not changed: %(label)s.") % {"label": row.label}
        before.append(Line(text))
    granted = len(chosen & {row.change.index for row in rows})
    to = outcome_status(granted=granted, total=len(rows))
    changes = [
        {"field": row.change.field, "value": row.change.new_value}
        for row in rows
        if row.change.index in chosen
    ]
    return _correction_decision(
        obj, to=to, reason=reason, ground=ground, before=before, changes=changes
    )


def _correction_decision(obj: RightsRequest, *, to, reason, ground, before, changes):
    """A correction decision; ``changes`` (``{"field", "value"}``) names the systems
    outside this database that apply it too."""
    outside = []
    if changes and obj.subject_id is not None:
        outside = asked_outside(obj.subject, Operation.CORRECT, changes=changes)
    return _decision(
        obj, kinds=_CORRECTION, to=to, reason=reason, ground=ground, before=before, outside=outside
    )


def stated_correction_confirmation(
    obj: RightsRequest, *, apply: dict, targets: dict[str, str], reason: str, ground: str
) -> Confirmation:
    """A correction asked in the person's words: each item written to the registry item
    staff found it to be, or not changed. ``targets`` names each registry item."""
    items = correction.stated_changes(obj)
    before = []
    for item in items:
        number = item.index + 1
        if item.index in apply:
            source, record, field, value = apply[item.index]
            text = _("Item %(number)s is written to %(target)s: “%(value)s”.") % {
                "number": number,
                "target": targets.get(f"{source}|{record}|{field}", field),
                "value": value,
            }
        else:
            text = _("Item %(number)s is not changed: “%(wrong)s”.") % {
                "number": number,
                "wrong": item.wrong,
            }
        before.append(Line(text))
    to = outcome_status(granted=len(apply), total=len(items))
    changes = [{"field": field, "value": value} for _s, _r, field, value in apply.values()]
    return _correction_decision(
        obj, to=to, reason=reason, ground=ground, before=before, changes=changes
    )


def stop_confirmation(
    obj: RightsRequest, *, decisions: dict, measure: str, reason: str, ground: str
) -> Confirmation:
    """A stop decision: what is stopped at once, what gets an alternative measure, what is
    declined. ValidationError when the decision is incomplete or not allowed."""
    to = stop_decisions.decision_status(obj, decisions=decisions, measure=measure)
    if obj.kind == Kind.STOP_PROVISION:
        stopped = _("Stopped at once: no further provision to %(label)s.")
    else:
        stopped = _("Stopped at once: no further use for %(label)s.")
    texts = {
        stop_decisions.STOP: stopped,
        stop_decisions.ALTERNATIVE: _("An alternative measure instead of stopping: %(label)s."),
        stop_decisions.DECLINE: _("Declined, not stopped: %(label)s."),
    }
    before = [
        # "Co., Ltd." ends the sentence with its own period.
        Line(texts[decisions[target.key]] % {"label": str(target.label).rstrip(".")})
        for target in stop_decisions.requested_targets(obj)
    ]
    if stop_decisions.ALTERNATIVE in decisions.values():
        before.append(Line(_("The alternative measure they are told:"), measure.strip()))
    stops = stop_decisions.STOP in decisions.values() and obj.subject_id is not None
    return _decision(
        obj,
        kinds=_STOPS,
        to=to,
        reason=reason,
        ground=ground,
        before=before,
        outside=_stop_outside(obj, decisions) if stops else (),
    )


def _stop_outside(obj: RightsRequest, decisions: dict) -> list[str]:
    """The systems and recipients a stop decision asks to act, as it will plan them."""
    outcome = {
        "scope": "provision" if obj.kind == Kind.STOP_PROVISION else "use",
        "stopped": [key for key, value in decisions.items() if value == stop_decisions.STOP],
    }
    return asked_outside(
        obj.subject,
        Operation.RESTRICT,
        stop=stop_instructions(outcome),
        only=stopped_recipients(outcome),
    )


def identity_rejection_confirmation(obj: RightsRequest, *, actor, note: str) -> Confirmation:
    """The "not verified" button: the request is rejected on the identity ground, with
    ``note`` as the reason. ValidationError or TransitionError as the decision would raise."""
    reason = rejection_reason(note)
    ground = RejectionGround.IDENTITY
    workflow.check_transition(obj, to=Status.REJECTED, actor=actor, reason=reason, ground=ground)
    before = [Line(_("Identity or authority is recorded as not verified."))]
    return closing(obj, to=Status.REJECTED, reason=reason, ground=ground, before=before)


def posted_confirmation(obj: RightsRequest, *, posted_on: dt.date) -> Confirmation:
    """The "sent by post" button: the paper answer is recorded as posted and the request
    completed (in part where records were withheld: the person is told the grounds)."""
    before = [
        Line(
            _("The paper answer is recorded as posted on %(date)s.")
            % {"date": date_format(posted_on, "DATE_FORMAT")}
        )
    ]
    if obj.kind == Kind.DISCLOSURE and obj.withheld_records.exists():
        before.append(Line(_("The requester is told what was withheld, and on which ground.")))
        return closing(obj, to=Status.PARTIALLY_COMPLETED, before=before)
    return closing(obj, to=Status.COMPLETED, before=before)


# -- fees: recording a payment, waiving ---------------------------------------------

#: What starts once a fee is paid or waived, by kind: the request goes in progress.
_STARTS = {
    (Kind.DISCLOSURE, False): gettext_lazy(
        "The disclosure starts: the package of the person's data is built and delivered."
    ),
    (Kind.DISCLOSURE, True): gettext_lazy(
        "The disclosure starts: the answer with the person's data is to be printed and posted."
    ),
    (Kind.PURPOSE_NOTICE, False): gettext_lazy(
        "The notice of purposes starts: it is built and delivered."
    ),
    (Kind.PURPOSE_NOTICE, True): gettext_lazy(
        "The notice of purposes starts: it is to be printed and posted."
    ),
}


def _fee_goes_on(obj: RightsRequest, *, paid: bool) -> list[Line]:
    """What happens to the request once its fee is settled: in progress, told, started."""
    if obj.status != Status.AWAITING_PAYMENT:
        return []
    lines = [
        Line(
            _(
                "The request goes in progress: its deadline runs again from the day the money "
                "was received."
            )
            if paid
            else _("The request goes in progress: its deadline runs again from today.")
        )
    ]
    recipients = who_is_told(obj, kind=Status.IN_PROGRESS)
    if recipients:
        lines.append(Line(_("Who is told: %(recipients)s") % {"recipients": recipients}))
    starts = _STARTS.get((obj.kind, obj.delivery_method == DeliveryMethod.PAPER))
    if starts:
        lines.append(Line(str(starts)))
    return lines


def _fee_values(payment: Payment) -> dict:
    return {
        "fee": payment.reference,
        "amount": yen(payment.amount),
        "request": payment.request.reference,
    }


def payment_confirmation(payment: Payment, *, method: str, paid_at: dt.datetime) -> Confirmation:
    """The "record payment" button: the fee is recorded as paid and the request goes on.
    ValidationError as recording it would raise now."""
    check_paid(payment, method=method, paid_at=paid_at, now=timezone.now())
    check_payment_transition(payment, to=PaymentStatus.PAID)
    text = _(
        "The fee %(fee)s of %(amount)s for %(request)s is recorded as paid (%(method)s), the "
        "money received on %(date)s."
    )
    values = {
        **_fee_values(payment),
        "method": PaymentMethod(method).label,
        "date": date_format(
            timezone.localtime(paid_at, ZoneInfo(payment.request.zone)), "DATE_FORMAT"
        ),
    }
    return Confirmation(
        title=_("Record the payment of %(fee)s?") % values,
        lines=[Line(text % values), *_fee_goes_on(payment.request, paid=True)],
        button=_("Record the payment"),
        final=_("A recorded payment cannot be undone: only a refund gives the money back."),
    )


def _reasoned_fee_confirmation(
    payment: Payment, *, to: str, reason: str, title, what, after: list[Line], button, final
) -> Confirmation:
    """A fee action that states a reason the requester is told (waive, refund).
    ValidationError as the move would raise now (a fee not in the right state, no
    reason)."""
    check_payment_transition(payment, to=to, reason=reason)
    values = _fee_values(payment)
    return Confirmation(
        title=title % values,
        lines=[
            Line(what % values),
            Line(_("The reason the requester is told:"), reason.strip()),
            *after,
        ],
        button=button,
        final=final,
    )


def waiver_confirmation(payment: Payment, *, reason: str) -> Confirmation:
    """The "waive" button: nothing is charged and the request goes on."""
    return _reasoned_fee_confirmation(
        payment,
        to=PaymentStatus.WAIVED,
        reason=reason,
        title=_("Waive the fee %(fee)s?"),
        what=_("The fee %(fee)s of %(amount)s for %(request)s is waived: nothing is charged."),
        after=_fee_goes_on(payment.request, paid=False),
        button=_("Waive the fee"),
        final=_("A waived fee cannot be asked again."),
    )


def refund_confirmation(payment: Payment, *, reason: str) -> Confirmation:
    """The "refund" button: the money is recorded as given back; the request stays as
    it is."""
    return _reasoned_fee_confirmation(
        payment,
        to=PaymentStatus.REFUNDED,
        reason=reason,
        title=_("Record the refund of %(fee)s?"),
        what=_("The fee %(fee)s of %(amount)s for %(request)s is recorded as given back."),
        after=[
            Line(
                _(
                    "The requester sees the refund and its reason on the request's page and "
                    "on the receipt; the request itself does not change."
                )
            )
        ],
        button=_("Record the refund"),
        final=_("A recorded refund cannot be undone."),
    )
