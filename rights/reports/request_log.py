"""The request log (CCPA regulations §7101): the privacy office's CSV of every request
received in a period.

§7101(a) asks the business to keep, for 24 months, the date of each request, its
nature, the manner in which it was made, the date and nature of the response and
the basis for a denial in whole or in part. A request withdrawn or expired was closed,
and the requester told so, on the day it ended: that is its response date, and its
outcome names what an expiry waited for (a fee, an identity check, an answer). The
receipt confirmation (§7021(a)) is the notice sent when the request is filed, so it
has no column of its own. The requests themselves are kept that
long (the ``request-log`` retention rule); this page writes the log from them.

Only what §7101 names leaves: no name, e-mail address, postal address or the
person's own words. The reference links a row to its request for those who may
open it. Who may export: privacy officers and auditors, as for the audit trail's
export; the log is the business's record of all requests, which is the privacy
office's duty, and a handler works their services' requests in the queue.

Streamed in chunks of :data:`CHUNK` rows, one query per chunk: the basis of a
denial is read by a subquery, never by a query per row.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django import forms
from django.contrib import admin
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from portal.kernel import spreadsheets, zones
from portal.kernel.audit import audit_log
from portal.kernel.dates import validate_filter_day

from ..choices import Channel, EventKind, Kind, Regime, RejectionGround, Status, told_ground
from ..models import OPEN_STATUSES, PAUSED_STATUSES, RequestEvent, RightsRequest

#: Rows per database round trip while streaming: memory stays flat at any size.
CHUNK = 2000
#: How long the log is kept (§7101(a)), and the longest period one export covers.
MONTHS = 24
#: The outcomes that are the business's response (its date is the response date).
ANSWERED = (Status.COMPLETED, Status.PARTIALLY_COMPLETED, Status.REJECTED)
#: Ended without an answer on the merits: the person withdrew it, or what it waited for
#: never came. It was closed that day and the person told so (the closing notice), which
#: is the business's response §7101 dates; nothing was denied and nothing was due after.
ENDED = (Status.WITHDRAWN, Status.EXPIRED)
#: What an expired request waited for, by the status it expired from: its outcome says it.
EXPIRED_WAITING = {
    Status.AWAITING_PAYMENT: gettext_lazy("Expired: the fee was not paid"),
    Status.AWAITING_VERIFICATION: gettext_lazy("Expired: identity was not confirmed"),
    Status.AWAITING_CUSTOMER: gettext_lazy("Expired: the requester did not answer"),
}
#: Denials in whole or in part: their ground and reason are the basis §7101 asks for.
DENIED = (Status.PARTIALLY_COMPLETED, Status.REJECTED)


class RequestLogForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("Received from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_filter_day],
    )
    end = forms.DateField(
        label=gettext_lazy("Received to"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_filter_day],
    )
    regime = forms.ChoiceField(
        label=gettext_lazy("Legal regime"),
        choices=[("", gettext_lazy("All regimes")), *Regime.choices],
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end is before the start."))
            elif end >= start + relativedelta(months=MONTHS):
                self.add_error(
                    "end",
                    _(
                        "One export covers at most 24 months (the time the log is kept); "
                        "choose a shorter period."
                    ),
                )
        return cleaned

    @staticmethod
    def initial_period(today: dt.date) -> dict:
        """The last 24 months up to ``today``: the whole log as kept."""
        return {"start": today - relativedelta(months=MONTHS) + dt.timedelta(days=1), "end": today}


def log_queryset(*, start: dt.date, end: dt.date, regime: str, zone):
    """The requests received from ``start`` to ``end`` (days in ``zone``), oldest first,
    with the reason and ground of their denial."""
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    queryset = RightsRequest.objects.filter(received_at__gte=since, received_at__lt=until)
    if regime:
        queryset = queryset.filter(regime=regime)
    # The last move into the request's final status is the decision the requester was told.
    decision = RequestEvent.objects.filter(
        request=OuterRef("pk"), kind=EventKind.TRANSITION, to_status=OuterRef("status")
    ).order_by("-created_at", "-id")
    return queryset.annotate(
        public_form=Q(identity__isnull=False),
        denial_reason=Subquery(decision.values("reason")[:1]),
        denial_details=Subquery(decision.values("details")[:1]),
        ended_from=Subquery(decision.values("from_status")[:1]),
    ).order_by("received_at", "id")


class _Echo:
    """A file-like object whose write returns the line, for a streamed CSV."""

    def write(self, value):
        return value


class _Labels:
    """The words of the file in the reader's language, fixed when the view runs:
    the rows are written after it returned."""

    def __init__(self, zone):
        zone_label = zones.label(zone=zone)
        self.header = [
            _("Reference"),
            zones.heading(_("Received on"), zone_label),
            _("Kind"),
            _("Manner of the request"),
            _("Legal regime"),
            zones.heading(_("Response date"), zone_label),
            _("Outcome"),
            _("Legal ground of the denial"),
            _("Reason given for the denial"),
            _("Deadline met"),
        ]
        self.kind = {value: str(label) for value, label in Kind.choices}
        self.channel = {value: str(label) for value, label in Channel.choices}
        self.portal_account = _("Portal, signed in to an account")
        self.public_form = _("Portal, public form without an account")
        self.regime = {value: str(label) for value, label in Regime.choices}
        self.status = {value: str(label) for value, label in Status.choices}
        self.expired_waiting = {value: str(label) for value, label in EXPIRED_WAITING.items()}
        self.yes = pgettext("request log: deadline met", "Yes")
        self.no = pgettext("request log: deadline met", "No")


def _manner(request, labels: _Labels) -> str:
    if request.channel == Channel.PORTAL:
        return labels.public_form if request.public_form else labels.portal_account
    return labels.channel.get(request.channel, request.channel)


def _deadline_met(request, labels: _Labels, now: dt.datetime) -> str:
    """Answered by the deadline; an open request past it (not waiting for the person)
    has missed it; otherwise nothing is known yet, or nothing was due."""
    if request.status in ANSWERED:
        return labels.yes if request.closed_at <= request.due_at else labels.no
    late = request.status in OPEN_STATUSES and request.status not in PAUSED_STATUSES
    return labels.no if late and request.due_at < now else ""


def _outcome(request, labels: _Labels) -> str:
    if request.status == Status.EXPIRED and request.ended_from in labels.expired_waiting:
        return labels.expired_waiting[request.ended_from]
    return labels.status.get(request.status, request.status)


def _ground(ground: str, request) -> str:
    """The basis of a denial as the person was told it: in their own law's words."""
    if ground in RejectionGround.values:
        return told_ground(ground, request.regime, request.kind)
    return ground


def _row(request, labels: _Labels, zone, now) -> list:
    responded = request.status in ANSWERED or request.status in ENDED
    denied = request.status in DENIED
    ground = request.rejection_ground or (request.denial_details or {}).get("ground", "")
    return [
        request.reference,
        request.received_at.astimezone(zone).date().isoformat(),
        labels.kind.get(request.kind, request.kind),
        _manner(request, labels),
        labels.regime.get(request.regime, request.regime),
        request.closed_at.astimezone(zone).date().isoformat()
        if responded and request.closed_at
        else "",
        _outcome(request, labels),
        _ground(ground, request) if denied else "",
        (request.denial_reason or "") if denied else "",
        _deadline_met(request, labels, now),
    ]


def _csv_lines(queryset, labels: _Labels, zone):
    writer = spreadsheets.Writer(_Echo())
    now = timezone.now()
    yield spreadsheets.BOM
    yield writer.writerow(labels.header)
    for request in queryset.iterator(chunk_size=CHUNK):
        yield writer.writerow(_row(request, labels, zone, now))


def request_log_view(request):
    """The period form; a valid period streams the log as CSV (and is audited)."""
    today = timezone.localdate()
    form = RequestLogForm(request.GET or None, initial=RequestLogForm.initial_period(today))
    if not form.is_valid():
        return TemplateResponse(
            request,
            "admin/reports/request_log.html",
            {
                **admin.site.each_context(request),
                "title": _("Request log"),
                "form": form,
                "zone": zones.label(),
                "months": MONTHS,
            },
        )
    zone = timezone.get_current_timezone()
    data = form.cleaned_data
    queryset = log_queryset(start=data["start"], end=data["end"], regime=data["regime"], zone=zone)
    # The rows counted are the rows written: a request received meanwhile has a higher id.
    counted = queryset.aggregate(rows=Count("id"), last=Max("id"))
    audit_log(
        action="report.request_log_exported",
        actor=request.user,
        request=request,
        details={
            "start": data["start"].isoformat(),
            "end": data["end"].isoformat(),
            **({"regime": data["regime"]} if data["regime"] else {}),
            "rows": counted["rows"],
        },
    )
    rows = queryset.filter(id__lte=counted["last"] or 0)
    response = StreamingHttpResponse(
        _csv_lines(rows, _Labels(zone), zone), content_type="text/csv; charset=utf-8"
    )
    name = f"request-log-{data['start']}-{data['end']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
