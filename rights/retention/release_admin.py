"""What the confirmation page of a legal hold's release, and the message after it, say
will happen (:mod:`portal.kernel.admin_confirm`): the hold ends with the reason given;
per kind of data, for how many customers, what the next run of deferred erasures then
erases, and what stays: until a retention rule's legal period ends (with its last day
where it can be computed) or under another hold (:func:`.steps.step_outlook`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.kernel import jobs, zones
from portal.kernel.admin_confirm import Confirmation, Line
from portal.kernel.dates import portal_day
from portal.kernel.registry import RecordNotFound, registry
from portal.kernel.wording import listed, sentence
from rights.connectors.after_holds import waiting_for_holds

from . import texts
from .holds import selectors as H
from .models import DeferredErasure, LegalHold
from .steps import answers_to_send, download_kept_until, step_outlook

#: The waiting erasures counted one by one on the page (a few COUNTs each); a hold over
#: a whole service may defer more, which the page then names only by their number.
MAX_COUNTED_STEPS = 200
#: The daily job that erases what a released hold kept (``rights.tasks``).
DEFERRED_TASK = "rights.tasks.retention_deferred"


def data_label(source_key: str, category: str) -> str:
    try:
        source = registry.source(source_key).label
    except RecordNotFound:
        source = source_key
    return texts.data_label(category, source)


@dataclass
class ReleaseOutlook:
    """Per kind of data, what the next run of deferred erasures erases once the hold is
    released, what stays until a retention period ends, what another hold keeps."""

    erased: list[str] = field(default_factory=list)
    kept_by_rules: list[str] = field(default_factory=list)
    kept_by_holds: list[str] = field(default_factory=list)
    #: A closed account's address, kept while another of the person's requests is open:
    #: its answer goes there (:func:`.steps.answers_awaited`).
    kept_for_answers: list[str] = field(default_factory=list)
    #: A closed account's address, kept while a disclosure of the person can still be
    #: downloaded through its follow link: until when.
    kept_for_download: list[str] = field(default_factory=list)
    more: str = ""
    #: Per request that deferred them, the erasures that then erase something:
    #: "reference: n deferred erasures (kinds of data)".
    per_request: list[str] = field(default_factory=list)
    #: Tasks of systems or recipients outside this database some of whose erasure a
    #: hold over the same data kept back (asked for by the daily job once free).
    outside: int = 0

    @property
    def empty(self) -> bool:
        return not (
            self.erased
            or self.kept_by_rules
            or self.kept_by_holds
            or self.kept_for_answers
            or self.kept_for_download
            or self.outside
        )

    def outside_line(self) -> str:
        return ngettext(
            "%(n)d system or recipient outside this database is then asked to erase what "
            "a hold kept there (a daily job), unless another hold still keeps it.",
            "%(n)d systems or recipients outside this database are then asked to erase what "
            "a hold kept there (a daily job), unless another hold still keeps it.",
            self.outside,
        ) % {"n": self.outside}


#: Said of a closed account's address another open request's answer still goes to.
FOR_ANSWERS = gettext_lazy(
    "Kept until the answers to the customer's other open requests are sent, then erased:"
)
#: Said of a closed account's address kept while an answered disclosure is downloadable.
FOR_DOWNLOAD = gettext_lazy(
    "Kept while the customer's disclosure can still be downloaded through the follow link "
    "of the address (a code is mailed there first), then erased:"
)


def release_outlook(hold: LegalHold, *, today: dt.date | None = None) -> ReleaseOutlook:
    """What happens to the erasures ``hold`` deferred once it is released (or now that it
    is): the other holds in force and the retention rules decide, as the run will."""
    today = today or portal_day()
    waiting = DeferredErasure.objects.filter(
        legal_hold=hold, status=DeferredErasure.Status.PENDING
    ).select_related("subject", "request")
    total = waiting.count()
    outlook = ReleaseOutlook()
    # (data, a system outside this database[, until, kept by]) -> [records, customers]
    erased: dict[tuple, list] = {}
    kept: dict[tuple, list] = {}
    for_answers: dict[tuple, list] = {}
    for_download: dict[tuple, list] = {}
    others: dict[int, list[LegalHold]] = {}
    # request reference -> [steps, kinds of data]
    requests: dict[str, list] = {}
    for step in waiting.order_by("pk")[:MAX_COUNTED_STEPS]:
        if step.subject_id not in others:
            in_force = H.active_holds(subject=step.subject, on=today)
            others[step.subject_id] = [h for h in in_force if h.pk != hold.pk]
        count, stays = step_outlook(step, holds=others[step.subject_id], today=today)
        data = data_label(step.source, step.category)
        notice = step.reason == DeferredErasure.Reason.NOTICE
        if (count is None or count) and notice:
            # The run leaves it while an answer still goes there (:func:`.steps.step_execute`).
            if answers_to_send(subject_id=step.subject_id, besides_id=step.request_id).exists():
                _add(for_answers, (data, count is None), count, step.subject_id)
                continue
            until = download_kept_until(step)
            if until is not None:
                _add(for_download, (data, count is None, until), count, step.subject_id)
                continue
        if count is None or count:
            _add(erased, (data, count is None), count, step.subject_id)
            _add_step(requests, step, data)
        for part in stays:
            _add(kept, (data, part.count is None, part.until, part.by), part.count, step.subject_id)
    outlook.erased = [
        sentence(_records(data, whole, *row)) for (data, whole), row in erased.items()
    ]
    outlook.kept_for_answers = [
        sentence(_records(data, whole, *row)) for (data, whole), row in for_answers.items()
    ]
    outlook.kept_for_download = [
        _("%(records)s: its link expires on %(date)s.")
        % {"records": _records(data, whole, *row), "date": zones.written(until, "DATE_FORMAT")}
        for (data, whole, until), row in sorted(for_download.items(), key=lambda i: i[0][2])
    ]
    for (data, whole, until, by), row in kept.items():
        line = _kept_line(_records(data, whole, *row), until, by)
        (outlook.kept_by_holds if isinstance(by, LegalHold) else outlook.kept_by_rules).append(line)
    outlook.per_request = [_request_line(ref, *row) for ref, row in requests.items()]
    outlook.outside = _outside_waiting(hold)
    if total > MAX_COUNTED_STEPS:
        more = total - MAX_COUNTED_STEPS
        outlook.more = ngettext(
            "And %(n)d more deferred erasure (see the list of deferred erasures).",
            "And %(n)d more deferred erasures (see the list of deferred erasures).",
            more,
        ) % {"n": more}
    return outlook


def _outside_waiting(hold: LegalHold) -> int:
    """The erasure tasks outside whose held-back data ``hold`` may be what keeps: of a
    customer it covers, for a kind of data it keeps (a hold on named records of ours
    keeps nothing outside: :func:`.holds.selectors.held_elsewhere`)."""
    if hold.records:
        return 0
    tasks = waiting_for_holds()
    if hold.subject_id is not None:
        tasks = tasks.filter(request__subject_id=hold.subject_id)
    if hold.service_id is not None:
        tasks = tasks.filter(
            request__subject__service_registrations__service_id=hold.service_id
        ).distinct()
    kept = set(H.held_categories([hold]))
    return sum(
        1 for held_back in tasks.values_list("held_back", flat=True) if kept & set(held_back)
    )


def _add(counted: dict, key: tuple, count: int | None, subject_id: int) -> None:
    row = counted.setdefault(key, [0, set()])
    row[0] += count or 0
    row[1].add(subject_id)


def _add_step(requests: dict, step: DeferredErasure, data: str) -> None:
    reference = step.request.reference if step.request_id else _("no request")
    row = requests.setdefault(reference, [0, []])
    row[0] += 1
    if data not in row[1]:
        row[1].append(data)


def _request_line(reference: str, steps: int, kinds: list[str]) -> str:
    return ngettext(
        "%(request)s: %(n)d deferred erasure (%(data)s)",
        "%(request)s: %(n)d deferred erasures (%(data)s)",
        steps,
    ) % {"request": reference, "n": steps, "data": listed(kinds)}


def _records(data: str, whole: bool, records: int, customers: set) -> str:
    people = ngettext("%(n)d customer", "%(n)d customers", len(customers)) % {"n": len(customers)}
    if whole:
        text = _("All of %(data)s in that system, for %(people)s")
    else:
        text = ngettext(
            "%(count)d record of %(data)s, for %(people)s",
            "%(count)d records of %(data)s, for %(people)s",
            records,
        )
    return text % {"count": records, "data": data, "people": people}


def _kept_line(records: str, until: dt.date | None, by) -> str:
    if isinstance(by, LegalHold):
        if until is None:
            return _("%(records)s: until %(hold)s is released.") % {"records": records, "hold": by}
        return _("%(records)s: until %(date)s, under %(hold)s.") % {
            "records": records,
            "date": date_format(until, "DATE_FORMAT"),
            "hold": by,
        }
    if until is None:
        return _(
            "%(records)s: under %(rule)s, whose period starts with an event still to come."
        ) % {"records": records, "rule": by.display_name}
    return _("%(records)s: until %(date)s, under %(rule)s.") % {
        "records": records,
        "date": date_format(until, "DATE_FORMAT"),
        "rule": by.display_name,
    }


def release_confirmation(hold: LegalHold, *, reason: str) -> Confirmation:
    """The release of ``hold`` with ``reason``, and what happens to the data it kept."""
    lines = [
        Line(
            _("The hold placed on %(date)s (%(basis)s) ends today, with this reason:")
            % {
                "date": date_format(timezone.localtime(hold.placed_at), "DATE_FORMAT"),
                "basis": hold.legal_basis,
            },
            reason.strip(),
        )
    ]
    outlook = release_outlook(hold)
    if outlook.empty and not outlook.more:
        lines.append(Line(_("No erasure waits for this hold.")))
    if outlook.erased:
        lines.append(
            Line(
                _("The next run of deferred erasures, at %(time)s, erases:")
                % {"time": next_deferred_run()},
                items=tuple(outlook.erased),
            )
        )
    if outlook.per_request:
        lines.append(
            Line(
                _("Deferred erasures that then run, per request:"),
                items=tuple(outlook.per_request),
            )
        )
    if outlook.kept_by_rules:
        lines.append(
            Line(_("Kept until their retention period ends:"), items=tuple(outlook.kept_by_rules))
        )
    if outlook.kept_by_holds:
        lines.append(Line(_("Kept by another legal hold:"), items=tuple(outlook.kept_by_holds)))
    if outlook.kept_for_answers:
        lines.append(Line(FOR_ANSWERS, items=tuple(outlook.kept_for_answers)))
    if outlook.kept_for_download:
        lines.append(Line(FOR_DOWNLOAD, items=tuple(outlook.kept_for_download)))
    if outlook.outside:
        lines.append(Line(outlook.outside_line()))
    if outlook.more:
        lines.append(Line(outlook.more))
    return Confirmation(
        title=_("Release %(hold)s?") % {"hold": hold},
        lines=lines,
        button=_("Release the hold"),
        final=(
            _("What is erased then cannot be restored.")
            if outlook.erased or outlook.outside or outlook.more
            else _("Releasing it erases nothing.")
        ),
    )


def next_deferred_run() -> str:
    """When the daily job that erases what holds kept next runs (the beat's schedule), in
    the reader's zone, with the zone's name."""
    return zones.written(jobs.next_run(DEFERRED_TASK))


def released_message(hold: LegalHold) -> SafeString:
    """The message after ``hold`` was released: which hold, then what the next run erases
    and what stays (and why), each a heading with its list."""
    outlook = release_outlook(hold)
    sections = []
    if outlook.erased:
        sections.append(
            (
                _("The next run of deferred erasures, at %(time)s, erases:")
                % {"time": next_deferred_run()},
                outlook.erased,
            )
        )
    if outlook.kept_by_rules:
        sections.append((_("Kept until their retention period ends:"), outlook.kept_by_rules))
    if outlook.kept_by_holds:
        sections.append((_("Kept by another legal hold:"), outlook.kept_by_holds))
    if outlook.kept_for_answers:
        sections.append((FOR_ANSWERS, outlook.kept_for_answers))
    if outlook.kept_for_download:
        sections.append((FOR_DOWNLOAD, outlook.kept_for_download))
    after = [outlook.outside_line()] if outlook.outside else []
    if outlook.empty and not outlook.more:
        after.append(_("No erasure waited for it."))
    if outlook.more:
        after.append(outlook.more)
    return format_html(
        "<p><strong>{}</strong></p>{}{}",
        _("%(hold)s is released.") % {"hold": hold},
        format_html_join(
            "",
            "<p>{}</p><ul>{}</ul>",
            (
                (heading, format_html_join("", "<li>{}</li>", ((item,) for item in items)))
                for heading, items in sections
            ),
        ),
        format_html_join("", "<p>{}</p>", ((line,) for line in after)),
    )
