"""How a notice about a request reads: one template (``rights/notice.txt``) renders
each notice, for the e-mail and for the request page alike, in the recipient's
language, with the outcome of a decision in words and the follow link of a
recipient without an account.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from portal.kernel.personal_data import yen

from . import correction, stop_decisions
from .choices import EventKind, PaymentStatus, Regime, RejectionGround, Status, told_ground
from .disclosure.delivery_notices import delivery_notice_context
from .models import OPEN_STATUSES, RequestNotification, RightsRequest
from .models.notice_texts import RECEIPT_WHILE_IDENTITY_CHECKED, NoticeText
from .notice_overrides import current_text, placeholder_values, render_text, set_aside
from .progress import next_step_text
from .requesters.follow_links import follow_token
from .requesters.models import Capacity, VerificationStatus


def outcome_lines(outcome: dict) -> dict:
    """A decision's outcome (correction or stop) in words of the active language."""
    if outcome.get("kind") == "correction":
        return correction.outcome_lines(outcome)
    return stop_decisions.outcome_lines(outcome)


def event_outcome(event) -> dict | None:
    """The before/after of a correction, or what a stop decision did, for a timeline."""
    if event.kind in (EventKind.CORRECTION, EventKind.STOP) and event.details:
        return outcome_lines(event.details)
    return None


def fee_line(event) -> str:
    """What happened to a fee, for its timeline entry: its amount and new status
    (paid, cancelled, ...); empty for any other event."""
    details = event.details or {}
    if event.kind != EventKind.FEE or details.get("status") not in PaymentStatus.values:
        return ""
    status = PaymentStatus(details["status"]).label
    if details.get("amount") is None:
        return _("Fee: %(status)s") % {"status": status}
    return _("Fee of %(amount)s: %(status)s") % {
        "amount": yen(int(details["amount"])),
        "status": status,
    }


def event_ground(event, regime: str, kind: str = "") -> str:
    """The legal ground an event refused on, as the person under ``regime`` was told
    it for a request of ``kind``; a code no longer known as itself; empty for an event
    with no ground."""
    ground = (event.details or {}).get("ground")
    if not ground:
        return ""
    return told_ground(ground, regime, kind) if ground in RejectionGround.values else str(ground)


def event_line(event) -> str:
    """What an event changed, beside its kind on staff's timeline: a fee's amount and
    status, who was assigned, the regime before and after; empty for other events."""
    details = event.details or {}
    if event.kind == EventKind.FEE:
        return fee_line(event)
    if event.kind == EventKind.ASSIGNMENT:
        who = details.get("assignee")
        return _("Assigned to %(who)s.") % {"who": who} if who else _("No one is assigned now.")
    if event.kind == EventKind.REGIME and {details.get("from"), details.get("to")} <= set(
        Regime.values
    ):
        return f"{Regime(details['from']).label} → {Regime(details['to']).label}"
    return ""


# Notices that close the request: its follow page then shows it, but takes no message.
_CLOSING_KINDS = frozenset({"completed", "partially_completed", "rejected", "expired"})


def _closes_request(notification: RequestNotification) -> bool:
    status = notification.context.get("status")
    return notification.kind in _CLOSING_KINDS or (
        status in Status.values and status not in OPEN_STATUSES
    )


def follow_url(request: RightsRequest, email: str) -> str:
    """The address of the follow page of ``request`` for a recipient without an account."""
    path = reverse("identity:follow", kwargs={"token": follow_token(request, email)})
    return f"{settings.SITE_URL}{path}"


def text_kind(notification: RequestNotification) -> str:
    """Which edited text a notice reads (``NoticeText.kind``): its own kind, except the
    receipt of a request waiting for an identity check, whose deadline is paused from
    the start (not under the CCPA, whose clock does not wait): that receipt has a text
    of its own, without the date the general receipt may quote."""
    if (
        notification.kind == RequestNotification.Kind.RECEIVED
        and notification.context.get("identity_check")
        and notification.request.regime != Regime.CCPA
    ):
        return RECEIPT_WHILE_IDENTITY_CHECKED
    return notification.kind


def edited_text(
    notification: RequestNotification, language: str
) -> tuple[NoticeText | None, NoticeText | None]:
    """(the edited text the notice reads, the edited text set aside for the shipped one).

    A notice sent while the deadline is paused does not read a text that quotes
    ``{due_date}``: the date moves with the wait (GDPR art. 12(3), APPI art. 33(3)).
    The shipped text, which says the deadline is paused, is used instead."""
    edited = current_text(text_kind(notification), language)
    if set_aside(edited, paused=notification.context.get("paused", False)):
        return None, edited
    return edited, None


def render_notice(
    notification: RequestNotification,
    *,
    language: str,
    has_account: bool = True,
    signs_in: bool = True,
    follow_url: str = "",
    request_url: str = "",
    principal: bool = False,
    downloads: Sequence[dict] = (),
) -> tuple[str, str]:
    """(subject line, body) of a notice in ``language``.

    ``principal`` words the copy for the person an appointed agent acted for: it
    says first that the agent made the request and received the answer, and gives
    no download or posting details, which are the agent's.

    ``has_account`` False words it for someone without a request page in the
    portal: it points to ``follow_url``, their follow page (see :func:`follow_url`).
    ``request_url``, for the e-mail to someone with an account, is the direct link
    to the request's page (``notifications.request_url``). A closed account's address
    is written to as one without an account: it can no longer log in to that page.
    ``signs_in`` False words it for the account a deletion closed, by that deletion's
    notices: no page, as the address is erased once they are sent.

    ``downloads`` (``reference``, ``expires_at``, ``downloaded_at``, ``url``), for the
    final notice of that deletion: the copies of the person's data still to download,
    each with the last day, the day it was downloaded when only its one new link is left,
    and the follow link it is downloaded through now that no one logs in to the account.
    """
    context = {
        "has_account": has_account,
        "signs_in": signs_in,
        "principal": principal,
        # Written to someone who acted for the person (a parent, an agent): the
        # outcome speaks of the person's data, not "your data".
        "acting_for": acting_for(notification.request, principal=principal),
        "office_email": settings.PRIVACY_OFFICE_EMAIL,
        "follow_url": follow_url,
        "closed": _closes_request(notification),
        "request_url": request_url,
        "documents": notification.context.get("documents", False),
        "identity_check": notification.context.get("identity_check", False),
        "notification": notification,
        "request": notification.request,
        "kind": notification.kind,
        "reason": notification.context.get("reason", ""),
        "ground": notification.context.get("ground", ""),
        "paused": notification.context.get("paused", False),
        "due_at": parse_datetime(notification.context["due_at"])
        if notification.context.get("due_at")
        else None,
    }
    fee = notification.context.get("fee")
    if fee:
        context["fee_reference"] = fee["reference"]
        context["fee_pay_by"] = parse_datetime(fee["pay_by"])
        context["fees_url"] = f"{settings.SITE_URL}{reverse('fees')}"
        context["fee_unfounded_reason"] = fee.get("unfounded_reason", "")
        if fee.get("further_copy_of"):
            context["fee_further_copy_of"] = fee["further_copy_of"]["reference"]
            context["fee_further_copy_delivered_on"] = dt.date.fromisoformat(
                fee["further_copy_of"]["delivered_on"]
            )
    cancelled = notification.context.get("fee_cancelled")
    if cancelled:
        # The fee the request waited for, cancelled with this change (withdrawn, ...).
        context["fee_cancelled"] = True
        context["fee_reference"] = cancelled["reference"]
    if "download" in notification.context or "posted_on" in notification.context:
        context.update(delivery_notice_context(notification.context))
    # Dates as the person reads them: in their time zone, which the deadline counts in.
    with translation.override(language), timezone.override(notification.request.zone):
        if fee or cancelled:
            context["fee_amount"] = yen((fee or cancelled)["amount"])

        outcome = notification.context.get("outcome")
        if outcome:
            context["outcome"] = outcome_lines(outcome)
            context["outcome_kind"] = outcome.get("kind")
            context["consent_url"] = f"{settings.SITE_URL}{reverse('consent:dashboard')}"

        status = notification.context.get("status")
        if status in Status.values:
            context["status_label"] = str(Status(status).label)
            context["next_step"] = next_step_text(status)
            if status in (Status.IN_REVIEW, Status.IN_PROGRESS) and context["due_at"]:
                # Its next step leads to our answer, by the date shown: the e-mail shows
                # it, moved by any wait (identity, fee, information) that just ended.
                context["answer_by"] = context["due_at"]
        if notification.context.get("regime") in Regime.values:
            # The law the notice was sent under, whatever the request is under now.
            context["regime_label"] = str(Regime(notification.context["regime"]).label)
        if context["ground"] in RejectionGround.values:
            # The article of the law the notice was sent under, never another regime's.
            regime = notification.context.get("regime") or notification.request.regime
            context["ground_label"] = told_ground(
                context["ground"], regime, notification.request.kind
            )
        # A text the privacy office edited in the admin comes first (rights.notice_overrides).
        edited, _set_aside = edited_text(notification, language)
        if edited is not None:
            subject, body = render_text(
                edited,
                placeholder_values(context),
                follow_url=follow_url,
                request_url=request_url,
                closed=context["closed"],
            )
        else:
            subject = render_to_string("rights/notice_subject.txt", context)
            # A line left out (a date the notice has not, ...) leaves no blank line pair.
            body = re.sub(r"\n{3,}", "\n\n", render_to_string("rights/notice.txt", context))
        if downloads:
            # After the edited text too: the only way left to the files.
            extra = render_to_string("rights/notice_downloads.txt", {"downloads": downloads})
            body = f"{body.strip()}\n\n{extra.strip()}"
        if principal:
            body = f"{_principal_intro(notification.request)}\n\n{body.strip()}"
    return " ".join(subject.split()), body.strip()


def notice_mail(body: str, *, language: str) -> str:
    """The e-mail of a notice whose text is ``body`` (:func:`render_notice`): the
    portal's greeting before it and its sign-off after it, in ``language``, as its
    other e-mails read. The greeting names no one: the recipient may be the person,
    or someone who acted for them. The request's page shows the text alone."""
    with translation.override(language):
        return render_to_string("rights/notice_mail.txt", {"body": body.strip()}).strip()


def mail_frame(language: str) -> tuple[str, str]:
    """The greeting and the sign-off :func:`notice_mail` puts around a notice's text, in
    ``language``: for the preview of a text the privacy office edits."""
    marker = "\x00"
    greeting, sign_off = notice_mail(marker, language=language).split(marker)
    return greeting.strip(), sign_off.strip("\n")


def acting_for(request: RightsRequest, *, principal: bool = False) -> bool:
    """Whether a notice of ``request`` goes to someone who acted for the person (a legal
    representative or an appointed agent), not to the person; ``principal`` is the copy
    to the person themselves."""
    identity = getattr(request, "identity", None)
    return not principal and identity is not None and identity.capacity != Capacity.SELF


def _principal_intro(request: RightsRequest) -> str:
    """The first lines of the copy to the person someone else acted for."""
    identity = getattr(request, "identity", None)
    values = {"agent": identity.requester_name if identity else "", "reference": request.reference}
    if identity is not None and identity.capacity == Capacity.AGENT and values["agent"]:
        if identity.subject_denied_at is not None:
            # CCPA §7063: the person answered that they did not appoint the agent.
            return (
                _(
                    "%(agent)s made request %(reference)s in your name, saying you had "
                    "appointed them as your agent. You told us you had not, so we did not "
                    "act on it for them. Our answer went to them; this is a copy for your "
                    "information."
                )
                % values
            )
        if identity.verification != VerificationStatus.VERIFIED:
            # APPI art. 37; GDPR art. 12(6): the authority was never confirmed.
            return (
                _(
                    "%(agent)s made request %(reference)s in your name, saying you had "
                    "appointed them as your agent; we could not confirm it. Our answer went "
                    "to them; this is a copy for your information."
                )
                % values
            )
        return (
            _(
                "%(agent)s made request %(reference)s in your name, as the agent you appointed. "
                "Our answer went to them; this is a copy for your information."
            )
            % values
        )
    if identity is not None and values["agent"]:
        return (
            _(
                "%(agent)s made request %(reference)s in your name, as your legal representative. "
                "Our answer went to them; this is a copy for your information."
            )
            % values
        )
    return (
        _(
            "Request %(reference)s was made in your name by someone acting for you. Our answer "
            "went to them; this is a copy for your information."
        )
        % values
    )
