"""Where a request stands, for its page: the steps it goes through, which one it is
at, and what happens next, in the reader's language. Reads only."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy, pgettext_lazy

from .choices import CHARGEABLE_KINDS, EventKind, PaymentStatus, Status

DONE, CURRENT, UPCOMING = "done", "current", "upcoming"
#: A request closed without being carried out: the step where it ended, and the
#: steps it never reached.
STOPPED, SKIPPED = "stopped", "skipped"

#: The steps in order: (key, label, the statuses the request is at that step in).
STEPS = (
    ("received", pgettext_lazy("request step", "Received"), {Status.SUBMITTED}),
    ("identity", pgettext_lazy("request step", "Identity check"), {Status.AWAITING_VERIFICATION}),
    (
        "review",
        pgettext_lazy("request step", "Review"),
        {Status.IN_REVIEW, Status.AWAITING_CUSTOMER},
    ),
    ("fee", pgettext_lazy("request step", "Fee"), {Status.AWAITING_PAYMENT}),
    ("work", pgettext_lazy("request step", "Work on your request"), {Status.IN_PROGRESS}),
    (
        "answer",
        pgettext_lazy("request step", "Answer"),
        {
            Status.COMPLETED,
            Status.PARTIALLY_COMPLETED,
            Status.REJECTED,
            Status.WITHDRAWN,
            Status.EXPIRED,
        },
    ),
)

#: Closed without being carried out. A rejection is still an answer (with its
#: reasons); a withdrawn or expired request gets none.
_ENDED_UNANSWERED = frozenset({Status.WITHDRAWN, Status.EXPIRED})
_ENDED = _ENDED_UNANSWERED | {Status.REJECTED}

#: A fee in one of these states is settled: its step is done wherever the request is.
SETTLED_FEES = frozenset({PaymentStatus.PAID, PaymentStatus.WAIVED, PaymentStatus.REFUNDED})

#: Statuses before a fee can be asked.
BEFORE_FEE = frozenset(
    {Status.SUBMITTED, Status.AWAITING_VERIFICATION, Status.IN_REVIEW, Status.AWAITING_CUSTOMER}
)

_NEXT = {
    Status.SUBMITTED: gettext_lazy(
        "Next: we check who you are, then review what you asked for. We write to you if "
        "we need anything."
    ),
    Status.AWAITING_VERIFICATION: gettext_lazy(
        "Next: you confirm who you are, as we asked in our notice. Then we review the request."
    ),
    Status.IN_REVIEW: gettext_lazy(
        "Next: we decide what to do and start the work, or write to you if we need anything."
    ),
    Status.AWAITING_CUSTOMER: gettext_lazy(
        "Next: you answer our question below. Then we continue the review."
    ),
    Status.AWAITING_PAYMENT: gettext_lazy(
        "Next: you pay the fee. We start the work once it has arrived."
    ),
    Status.IN_PROGRESS: gettext_lazy(
        "Next: we send you our answer, by the date shown, and tell you by e-mail."
    ),
}


#: Waiting for identity with the documents already sent: the company is the one to act.
_CHECKING_DOCUMENTS = gettext_lazy(
    "Next: we check the documents you sent and tell you the result. Then we review the request."
)


def next_step_text(status: str, *, documents_sent: bool = False) -> str:
    """What comes next for a request in ``status``, in the active language; empty
    once it is closed. ``documents_sent``: identity documents wait for the company's
    check, so it is the company, not the person, who acts next."""
    if status == Status.AWAITING_VERIFICATION and documents_sent:
        return str(_CHECKING_DOCUMENTS)
    return str(_NEXT.get(status, ""))


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    state: str


@dataclass(frozen=True)
class Progress:
    steps: list[Step]
    #: What happens next, one sentence; empty once the request is closed.
    next_step: str


def progress_of(request) -> Progress:
    """The steps of ``request`` with the one it is at, and what comes next. The fee
    step shows for a kind that may be charged until the review has passed, and after
    it only when a fee was asked; once the fee is settled (paid, waived, refunded) the
    step is done wherever the request is.

    A request rejected, withdrawn or expired shows the step where it ended (from
    its timeline) as stopped and the steps after it as not reached; a rejection's
    answer step is done, as the rejection was sent with its reasons."""
    ended_from = _status_before_end(request) if request.status in _ENDED else None
    charged = Status.AWAITING_PAYMENT in (request.status, ended_from) or (
        request.kind in CHARGEABLE_KINDS
        and (request.status in BEFORE_FEE or request.payments.exists())
    )
    keys = [s for s in STEPS if s[0] != "fee" or charged]
    at = _step_index(keys, request.status)
    closed = keys[at][0] == "answer"
    if ended_from is not None:
        states = _ended_states(keys, _step_index(keys, ended_from))
        if request.status == Status.REJECTED:
            states[-1] = DONE
    else:
        states = [
            DONE if i < at or (closed and i == at) else CURRENT if i == at else UPCOMING
            for i in range(len(keys))
        ]
    if charged and request.payments.filter(status__in=SETTLED_FEES).exists():
        # Back in review after the fee was paid (a question to the person), or closed
        # there: the fee is not still to come.
        fee_at = [key for key, _label, _statuses in keys].index("fee")
        if states[fee_at] in (UPCOMING, SKIPPED):
            states[fee_at] = DONE
    steps = [
        Step(key, str(label), state)
        for (key, label, _statuses), state in zip(keys, states, strict=True)
    ]
    documents_sent = (
        request.status == Status.AWAITING_VERIFICATION and request.identity_documents.exists()
    )
    next_step = "" if closed else next_step_text(request.status, documents_sent=documents_sent)
    return Progress(steps=steps, next_step=next_step)


def _step_index(keys, status: str) -> int:
    return next(i for i, (_key, _label, statuses) in enumerate(keys) if status in statuses)


def _status_before_end(request) -> str:
    """The status the request left when it was closed, from its timeline; "submitted"
    for a request closed without a recorded transition."""
    before = (
        request.events.filter(kind=EventKind.TRANSITION, to_status=request.status)
        .exclude(from_status="")
        .order_by("-created_at", "-id")
        .values_list("from_status", flat=True)
        .first()
    )
    return before or Status.SUBMITTED


def _ended_states(keys, ended_at: int) -> list[str]:
    """Done before the step where the request ended, stopped there, not reached after."""
    return [
        DONE if i < ended_at else STOPPED if i == ended_at else SKIPPED for i in range(len(keys))
    ]
