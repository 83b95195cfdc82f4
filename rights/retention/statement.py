"""The statement to the customer: what was erased, what is kept, under which law, until when."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext

from portal.kernel import zones
from portal.kernel.dates import portal_day
from portal.kernel.registry import Category, Source, registry
from portal.kernel.wording import listed
from rights.choices import Regime
from rights.notifications import downloads_left

from .models import DeferredErasure, RetentionRule
from .scope import account_kept, requested_scope
from .steps import answers_to_send, step_outlook
from .texts import data_label

Step = DeferredErasure


def _date(day: dt.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _what(source: Source, category: str, steps: list[Step]) -> str:
    """The kind of data and its source, with the number of records the steps name."""
    count = sum(len(step.record_ids) for step in steps)
    what = data_label(category, source.label)
    if count:
        what = ngettext("%(what)s, %(count)d record", "%(what)s, %(count)d records", count) % {
            "what": what,
            "count": count,
        }
    return what


def _foreign(rule: RetentionRule, regime: str) -> bool:
    """Whether ``rule``'s statute is another regime's privacy law than the request's
    (e.g. CCPA regs §7101 for an APPI request): it does not bind this request."""
    return bool(rule.regime) and rule.regime != regime


def _law(rule: RetentionRule, regime: str) -> str:
    """The law named for keeping ``rule``'s data under a request of ``regime``."""
    if _foreign(rule, regime):
        return gettext("GDPR art. 17(3)(e)") if regime == Regime.GDPR else rule.display_name
    return rule.display_statute or rule.display_name


def _kept_as_record(what: str, regime: str, ends: list[dt.date | None]) -> str:
    """Data a foreign regime's law keeps: under GDPR for legal claims (art. 17(3)(e)),
    under APPI and CCPA as the company's own record, naming no article."""
    why = (
        gettext("for legal claims (GDPR art. 17(3)(e))")
        if regime == Regime.GDPR
        else gettext("as our own record")
    )
    if any(day is None for day in ends):
        return gettext(
            "%(what)s: we keep it %(why)s; we will erase it when its retention period ends."
        ) % {"what": what, "why": why}
    first, last = min(ends) - dt.timedelta(days=1), max(ends) - dt.timedelta(days=1)
    if first == last:
        return gettext("%(what)s: we keep it %(why)s until %(date)s; we will erase it then.") % {
            "what": what,
            "why": why,
            "date": _date(last),
        }
    return gettext(
        "%(what)s: we keep it %(why)s until %(date)s at the latest; each record is erased "
        "when its own period ends, the first on %(first)s."
    ) % {"what": what, "why": why, "date": _date(last), "first": _date(first)}


def _law_after_hold(steps: list[Step], hold_until: dt.date | None, regime: str):
    """(the law, its last day or None when its period has not started) that keeps some of
    the held records after the hold ends, when one keeps them longer; else None.

    A hold step names only its hold, but the step re-checks the rules when the hold
    ends: records a law obliges us to keep stay until that period ends too."""
    today = portal_day()
    kept = [
        k
        for step in steps
        for k in step_outlook(step, holds=[], today=today)[1]
        if isinstance(k.by, RetentionRule)
    ]
    if not kept:
        return None
    last = max(kept, key=lambda k: k.until or dt.date.max)
    if hold_until is not None and last.until is not None and last.until <= hold_until:
        return None
    return _law(last.by, regime), last.until


def _held_line(what: str, hold, hold_until: dt.date | None, steps: list[Step], regime: str) -> str:
    """A held part: until when the hold keeps it, and the law that keeps it longer."""
    values = {"what": what, "basis": hold.legal_basis}
    if hold_until is not None:
        values["hold_date"] = _date(hold_until)
    law = _law_after_hold(steps, hold_until, regime)
    if law is None:
        if hold_until is None:
            return (
                gettext(
                    "%(what)s: kept under a legal hold (%(basis)s) until the hold ends; "
                    "we will erase it then."
                )
                % values
            )
        return gettext(
            "%(what)s: kept under a legal hold (%(basis)s) until %(date)s; we will erase it then."
        ) % {**values, "date": values["hold_date"]}
    values["law"], until = law
    if until is None:
        text = (
            gettext(
                "%(what)s: kept under a legal hold (%(basis)s) until the hold ends, and we "
                "must keep it under %(law)s until its legal retention period ends; each "
                "record is erased once both have ended."
            )
            if hold_until is None
            else gettext(
                "%(what)s: kept under a legal hold (%(basis)s) until %(hold_date)s, and we "
                "must keep it under %(law)s until its legal retention period ends; each "
                "record is erased once both have ended."
            )
        )
        return text % values
    values["date"] = _date(until)
    text = (
        gettext(
            "%(what)s: kept under a legal hold (%(basis)s) until the hold ends, and we must "
            "keep it under %(law)s until %(date)s at the latest; each record is erased once "
            "both have ended."
        )
        if hold_until is None
        else gettext(
            "%(what)s: kept under a legal hold (%(basis)s) until %(hold_date)s, and we must "
            "keep it under %(law)s until %(date)s at the latest; each record is erased once "
            "both have ended."
        )
    )
    return text % values


def _kept_line(source: Source, category: str, steps: list[Step], regime: str) -> str:
    what = _what(source, category, steps)
    hold = next((s.legal_hold for s in steps if s.legal_hold is not None), None)
    if hold is not None:
        ends = [s.not_before for s in steps]
        hold_until = None if any(day is None for day in ends) else max(ends) - dt.timedelta(days=1)
        return _held_line(what, hold, hold_until, steps, regime)
    rule = next((s.rule for s in steps if s.rule is not None), None)
    ends = [s.not_before for s in steps]
    if rule is not None and _foreign(rule, regime):
        return _kept_as_record(what, regime, ends)
    law = _law(rule, regime) if rule else gettext("a retention rule")
    if any(day is None for day in ends):
        return gettext(
            "%(what)s: we must keep it under %(law)s; we will erase it when the legal "
            "retention period ends."
        ) % {"what": what, "law": law}
    first, last = min(ends) - dt.timedelta(days=1), max(ends) - dt.timedelta(days=1)
    if first == last:
        return gettext(
            "%(what)s: we must keep it under %(law)s until %(date)s; we will erase it then."
        ) % {"what": what, "law": law, "date": _date(last)}
    return gettext(
        "%(what)s: we must keep it under %(law)s until %(date)s at the latest; each record "
        "is erased when its own period ends, the first on %(first)s."
    ) % {"what": what, "law": law, "date": _date(last), "first": _date(first)}


def deletion_statement(request) -> tuple[str, bool]:
    """(the statement to the customer, whether anything is kept), in their language."""
    subject = request.subject
    steps = list(request.deferred_erasures.select_related("rule", "legal_hold").order_by("pk"))
    _categories, _services, closing = requested_scope(request)
    erased = sorted(
        {s.category for s in steps if s.reason == Step.Reason.REQUEST and s.erased},
        key=Category.values.index,
    )
    kept: dict[tuple[str, str], list[Step]] = {}
    for step in steps:
        if step.status == Step.Status.PENDING and step.reason in (
            Step.Reason.RETENTION,
            Step.Reason.HOLD,
        ):
            kept.setdefault((step.source, step.category), []).append(step)
    kept_account = account_kept(request)
    language = getattr(subject, "language", None) or settings.LANGUAGE_CODE
    with translation.override(language):
        lines = []
        if erased:
            lines.append(
                gettext("We have erased: %(categories)s.")
                % {"categories": listed(Category(c).label for c in erased)}
            )
        else:
            lines.append(gettext("There was no further data to erase in what you asked about."))
        if kept or kept_account:
            lines.append("")
            lines.append(gettext("We must keep the following for now:"))
            for (source_key, category), group in kept.items():
                source = registry.source(source_key)
                lines.append("- " + _kept_line(source, category, group, request.regime))
            if kept_account:
                lines.append(
                    "- "
                    + gettext(
                        "Your login account (e-mail address, language, dates): kept while the "
                        "account is open, because you log in with it. Ask us to close the "
                        "account to erase it."
                    )
                )
            if kept:
                lines.append(_restricted_line(request.regime))
        if closing:
            lines.append("")
            lines.append(_closed_account_line(request, steps))
        text = "\n".join(lines)
    return text, bool(kept or kept_account)


def _restricted_line(regime: str) -> str:
    """Kept data is only stored and used for its ground; GDPR names the articles
    (18 and 17(3)), APPI and CCPA have none on it, so their notice cites none."""
    if regime == Regime.GDPR:
        return gettext(
            "While we keep the data above, its use is restricted: we only store it "
            "and use it for the legal obligation or legal claim it is kept for, "
            "never for any other purpose (GDPR art. 18 and 17(3))."
        )
    return gettext(
        "While we keep the data above, its use is restricted: we only store it and use it "
        "for the legal obligation or legal claim it is kept for, never for any other purpose."
    )


def _closed_account_line(request, steps: list[Step]) -> str:
    """What becomes of a closed account's address: erased once this notice is sent, or
    once the answers to the person's other open requests are sent, or once the files
    still to download (their links given below it, ``notice_sending.closing_downloads``) are
    downloaded or expired, or kept as long as a legal hold over it lasts."""
    held = [
        s
        for s in steps
        if s.reason == Step.Reason.NOTICE
        and s.legal_hold is not None
        and s.status == Step.Status.PENDING
    ]
    if not held:
        awaited = [
            r.reference
            for r in answers_to_send(subject_id=request.subject_id, besides_id=request.pk)
        ]
        if awaited:
            return ngettext(
                "Your account is closed. We still answer your open request %(list)s and send "
                "the answer to this e-mail address, with a link to follow the request without "
                "the account: you confirm this address with a code we e-mail to you, then "
                "read our notices and download any files there. The account's e-mail address "
                "and language setting are erased once we have answered and any files have "
                "been downloaded or their link has expired.",
                "Your account is closed. We still answer your open requests %(list)s and send "
                "the answers to this e-mail address, with a link to follow each request "
                "without the account: you confirm this address with a code we e-mail to you, "
                "then read our notices and download any files there. The account's e-mail "
                "address and language setting are erased once we have answered the last of "
                "them and any files have been downloaded or their link has expired.",
                len(awaited),
            ) % {"list": listed(awaited)}
        downloads = [p.request.reference for p in downloads_left(request, request.subject.email)]
        if downloads:
            return ngettext(
                "Your account is closed. Its e-mail address and language setting are kept "
                "while you can still download the answer to your request %(list)s through "
                "the link below, and erased once it has been downloaded or its link has "
                "expired.",
                "Your account is closed. Its e-mail address and language setting are kept "
                "while you can still download the answers to your requests %(list)s through "
                "the links below, and erased once they have been downloaded or their links "
                "have expired.",
                len(downloads),
            ) % {"list": listed(downloads)}
        return gettext(
            "Your account is closed. Its e-mail address and language setting are "
            "erased as soon as this notice has been sent to you."
        )
    basis = held[0].legal_hold.legal_basis
    ends = [s.not_before for s in held]
    if any(day is None for day in ends):
        return gettext(
            "Your account is closed. Its e-mail address and language setting are kept "
            "under a legal hold (%(basis)s) until the hold ends; we will erase them then."
        ) % {"basis": basis}
    return gettext(
        "Your account is closed. Its e-mail address and language setting are kept "
        "under a legal hold (%(basis)s) until %(date)s; we will erase them then."
    ) % {"basis": basis, "date": _date(max(ends) - dt.timedelta(days=1))}


def kept_lines(request) -> list[str]:
    """What the deletion ``request`` kept under a retention rule or a legal hold, as it
    stands now, in the active language: each part still kept, as the statement put it,
    and each part erased since, with the day (in the request's time zone).

    The statement in the final notice is the text of its day; the request's page reads
    these lines so it never says data is kept after it was erased (APPI art. 35(7),
    GDPR art. 17(1) and (3)).
    """
    steps = request.deferred_erasures.filter(
        reason__in=(Step.Reason.RETENTION, Step.Reason.HOLD),
        status__in=(Step.Status.PENDING, Step.Status.DONE),
    ).select_related("rule", "legal_hold")
    groups: dict[tuple[str, str, bool], list[Step]] = {}
    for step in steps.order_by("pk"):
        done = step.status == Step.Status.DONE
        groups.setdefault((step.source, step.category, done), []).append(step)
    zone = zoneinfo.ZoneInfo(request.zone)
    lines = []
    for (source_key, category, done), group in groups.items():
        source = registry.source(source_key)
        if not done:
            lines.append(_kept_line(source, category, group, request.regime))
            continue
        days = [timezone.localdate(s.done_at, zone) for s in group if s.done_at]
        ended = _ended_early(group, zone)
        if ended is not None:
            lines.append(_ended_early_line(_what(source, category, group), ended, days, zone))
            continue
        lines.append(
            gettext("%(what)s: kept for a time, as we told you; erased on %(date)s.")
            % {"what": _what(source, category, group), "date": _date(max(days))}
            if days
            else gettext("%(what)s: kept for a time, as we told you; now erased.")
            % {"what": _what(source, category, group)}
        )
    return lines


def _ended_early(group: list[Step], zone: dt.tzinfo) -> dt.datetime | None:
    """When the holds that kept ``group`` were released, if each was released before the
    last day the person was told it lasts (``LegalHold.ends_on``); else None: "as we
    told you" is then true."""
    holds = [step.legal_hold for step in group]
    if not holds or any(
        hold is None
        or hold.released_at is None
        or hold.ends_on is None
        or portal_day(hold.released_at) >= hold.ends_on
        for hold in holds
    ):
        return None
    return max(hold.released_at for hold in holds)


def _ended_early_line(what: str, ended: dt.datetime, days: list[dt.date], zone) -> str:
    """Data a hold kept past the person's request, erased after the hold was released
    before the day they were told: the day it ended, in the request's zone."""
    ended_on = zones.written(ended, "DATE_FORMAT", zone)
    if days:
        return gettext(
            "%(what)s: kept under a legal hold until the hold ended early on %(ended)s; "
            "erased on %(date)s."
        ) % {"what": what, "ended": ended_on, "date": _date(max(days))}
    return gettext(
        "%(what)s: kept under a legal hold until the hold ended early on %(ended)s; now erased."
    ) % {"what": what, "ended": ended_on}
