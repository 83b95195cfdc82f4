"""A request in plain words, before and after it is filed.

The review page shows it before a request is filed (a deletion cannot be undone
once carried out; a stop stays in force until the person asks us to lift it),
and the request's page shows it after.
It says what the request covers, for which services, what happens to the
account, what a law may require us to keep, where a paper answer is posted,
whether a fee applies and when the answer is due. Reads only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from consent.models import Purpose, Recipient
from portal.kernel.models.services import by_name
from portal.kernel.registry import Category, registry
from portal.kernel.wording import listed

from . import deadlines
from .choices import CHARGEABLE_KINDS, DeliveryMethod, FeeBasis, Kind, Regime, Status
from .correction import display, field_label
from .disclosure.models import DELIVERED_KINDS
from .disclosure.selectors import PostalAddress, paper_address, profile_address
from .models import FeeSchedule
from .retention.models import RetentionRule
from .retention.scope import is_account_source, reaches
from .retention.statement import kept_lines
from .retention.steps import copies_awaited
from .retention.texts import retention_sentence
from .service_choice import customer_services
from .stop_grounds import grounds_line

#: Kinds whose effect cannot be undone once carried out: the review page warns.
IRREVERSIBLE_KINDS = frozenset({Kind.DELETION})
#: Kinds whose effect lasts until the person asks us to lift it (the stop is ended
#: in the admin, ``consent.services.restriction_end``): the review page says so.
LASTING_KINDS = frozenset({Kind.STOP_USE, Kind.STOP_PROVISION})


@dataclass
class Summary:
    kind: str
    kind_label: str
    what: list[str]
    services: str
    account: str
    account_closes: bool = False
    kept: list[str] = field(default_factory=list)
    #: A filed deletion: what its erasure kept (a rule's period, a legal hold) and what
    #: of that was erased since, as it stands now (``retention.statement.kept_lines``).
    held: list[str] = field(default_factory=list)
    #: A deletion whose erasure waits for the copy its person asked for first: those
    #: requests' references, each a link to its page where the reader filed it too
    #: (``retention.steps.copies_awaited``), listed in the active language.
    copy_first: str = ""
    fee: str = ""
    due_at: dt.datetime | None = None
    #: The last day to answer in the requester's time zone: what the person reads.
    due_on: dt.date | None = None
    #: That time zone, which the page names beside the day.
    time_zone: str = ""
    irreversible: bool = False
    #: A stop: in force once carried out, until the person asks us to lift it.
    lasting: bool = False
    #: The answer is still to be posted on paper: the page says where to.
    by_post: bool = False
    #: Where it is posted; None while no address is known. Personal data: only for
    #: pages the customer sees of their own request.
    post_to: PostalAddress | None = None


def _join(items) -> str:
    """Names as a list in the active language; a final period (Co., Ltd.) is left to
    the sentence the list ends."""
    return listed(items).rstrip(".")


def _categories_text(categories: list[str]) -> str:
    labels = [Category(c).label for c in Category.values if c in categories]
    if not labels:
        return _("Every kind of data we hold about you.")
    return _("These kinds of data: %(list)s.") % {"list": _join(labels)}


def _stop_targets(kind: str, scope: dict) -> list[str]:
    if kind == Kind.STOP_USE:
        codes = [str(c) for c in scope.get("purposes") or []]
        titles = {p.code: p.title for p in Purpose.objects.filter(code__in=codes)}
        return [titles.get(c, c) for c in codes]
    ids = [int(pk) for pk in scope.get("recipients") or [] if str(pk).isdigit()]
    names = {r.pk: str(r) for r in Recipient.objects.filter(pk__in=ids)}
    return [names.get(pk, str(pk)) for pk in ids]


def _change_line(change: dict) -> str:
    """One correction asked for: the field, its value and the value wanted."""
    return _("%(label)s: from “%(current)s” to “%(new)s”.") % {
        "label": field_label(
            str(change.get("source", "")),
            str(change.get("field", "")),
            str(change.get("label", "")),
            record=str(change.get("record", "")),
            service=str(change.get("service") or ""),
            name=change.get("record_name"),
        ),
        "current": _shown(change, "current_value"),
        "new": _shown(change, "new_value"),
    }


def _stated_line(item: dict) -> str:
    """One correction asked in the person's words (the form without an account)."""
    return _("“%(wrong)s” should be “%(correct)s”.") % {
        "wrong": item.get("wrong", ""),
        "correct": item.get("correct", ""),
    }


def _shown(change: dict, key: str) -> str:
    """A value of a correction as the pages show it (a choice's label, a date)."""
    value = change.get(key)
    if value in (None, ""):
        return _("(empty)")
    return display(str(change.get("source", "")), str(change.get("field", "")), value)


def _what(kind, *, categories, scope, delivery_method, changes, services) -> list[str]:
    everything = bool(scope.get("everything"))
    lines: list[str] = []
    if kind == Kind.DISCLOSURE:
        if not categories and services:
            lines.append(
                _("A copy of every kind of data we hold about you in %(list)s.")
                % {"list": _join(services)}
            )
        elif not categories:
            lines.append(_("A copy of everything we hold about you: every kind of data."))
        else:
            lines.append(_("A copy of the data we hold about you."))
            lines.append(_categories_text(categories))
    elif kind == Kind.PURPOSE_NOTICE:
        lines.append(_("A statement of the purposes for which we use your data."))
    elif kind == Kind.CORRECTION:
        lines.extend(_change_line(change) for change in changes)
        lines.extend(_stated_line(item) for item in scope.get("stated_changes") or [])
    elif kind == Kind.STOP_USE:
        if everything:
            lines.append(_("Stop every use of your data that the law lets you stop."))
        else:
            lines.append(
                _("Stop using your data for: %(list)s.")
                % {"list": _join(_stop_targets(kind, scope))}
            )
    elif kind == Kind.STOP_PROVISION:
        if everything:
            lines.append(_("Stop providing your data to any third party."))
        else:
            lines.append(
                _("Stop providing your data to: %(list)s.")
                % {"list": _join(_stop_targets(kind, scope))}
            )
    elif kind == Kind.DELETION:
        if everything:
            lines.append(_("Delete everything we hold about you, in every service."))
        else:
            lines.append(_("Delete the data you chose."))
            lines.append(_categories_text(categories))
    if grounds := grounds_line(scope):
        lines.append(grounds)
    if delivery_method and kind in (Kind.DISCLOSURE, Kind.PURPOSE_NOTICE):
        lines.append(
            _("Delivered as: %(method)s.") % {"method": DeliveryMethod(delivery_method).label}
        )
    return lines


def scope_sentence(scope: dict, categories=()) -> str:
    """A stored request scope as a sentence in the reader's language.

    What "my data" and disclosure packages show for a request's scope: the
    changes asked for, the purposes or recipients named, or how much the
    request covers; never the stored dict. ``categories``: the request's kinds
    of data, named when the scope itself does not say what it covers.
    """
    scope = scope or {}
    changes = scope.get("changes") or []
    if changes:
        return " ".join(_change_line(change) for change in changes)
    if scope.get("stated_changes"):
        return " ".join(_stated_line(item) for item in scope["stated_changes"])
    if scope.get("purposes"):
        return _("For these purposes: %(list)s.") % {
            "list": _join(_stop_targets(Kind.STOP_USE, scope))
        }
    if scope.get("recipients"):
        return _("For these recipients: %(list)s.") % {
            "list": _join(_stop_targets(Kind.STOP_PROVISION, scope))
        }
    if scope.get("everything"):
        return _("Everything, in every service.")
    if categories:
        return _categories_text(categories)
    return _("The data chosen in the request.")


def asked_lines(request) -> list[str]:
    """What a filed request asks, line by line, in words that do not call the data the
    reader's own (the reader may act for the person it is about): what the scope or the
    kinds of data say, and the services named, if any. Empty when it names nothing
    (a disclosure or a notice of purposes covers everything)."""
    scope, categories = request.scope or {}, request.categories or []
    lines = []
    if any(scope.values()) or categories:
        lines.append(scope_sentence(scope, categories))
    services = [s.display_name for s in by_name(request.services.all())]
    if services:
        lines.append(_("For these services: %(list)s.") % {"list": _join(services)})
    return lines


def _services_text(kind, *, service_labels, scope, subject=None) -> str:
    """``subject``: whose request it is, when known; one registered with no service
    is not told of services they use."""
    if kind in (Kind.CORRECTION, Kind.PURPOSE_NOTICE, Kind.STOP_USE, Kind.STOP_PROVISION):
        return _("The services that use the data concerned.")
    if scope.get("everything") or not service_labels:
        if subject is not None and not customer_services(subject).exists():
            return _("All our services (you are not registered with any of them).")
        return _("Every service you use with us.")
    return _("Only these services: %(list)s.") % {"list": _join(service_labels)}


def _account(kind, scope) -> tuple[str, bool]:
    if kind == Kind.DELETION and scope.get("everything"):
        return (
            _(
                "Your account will be closed: you can no longer log in. Its e-mail address "
                "and language setting are erased once we have sent you our final notice."
            ),
            True,
        )
    if kind == Kind.DELETION:
        return _("Your account stays open and you can still log in."), False
    return _("Nothing changes in your account."), False


def _kept(kind, *, categories, scope, regime, services=()) -> list[str]:
    """The retention rules that may keep part of what a deletion covers: of the kinds
    of data chosen, in the sources the chosen services (codes) reach, each told under
    ``regime``'s law (a statute of another regime's does not bind the request)."""
    if kind != Kind.DELETION:
        return []
    everything = bool(scope.get("everything"))
    wanted = set(Category.values) if everything or not categories else set(categories)
    services = [] if everything else list(services)
    codes = set()
    for source in registry.sources():
        if is_account_source(source) and not everything:
            continue
        if not reaches(source, services):
            continue
        if wanted & {c.value for c in source.categories()}:
            codes.update(source.retention_codes)
    rules = RetentionRule.objects.filter(code__in=codes, obligation=True).order_by("code")
    return [
        _("%(rule)s: %(period)s")
        % {"rule": rule.display_name, "period": retention_sentence(rule, regime=regime)}
        for rule in rules
    ]


def fee_only_if_unfounded(kind: str, regime: str | None = None) -> str:
    """What a person is told of the fee of ``kind`` under a regime without a published
    fee (GDPR arts. 12(5), 15(3); CCPA), in the active language; empty under the APPI
    (art. 38: a published fee) and for kinds that are never charged."""
    regime = regime or settings.RIGHTS_DEFAULT_REGIME
    if kind not in CHARGEABLE_KINDS or regime == Regime.APPI:
        return ""
    return _(
        "Free of charge, unless the request is manifestly unfounded or excessive; we "
        "would tell you before charging anything."
    )


def _fee(kind, *, regime, delivery_method) -> str:
    if kind not in CHARGEABLE_KINDS:
        return _("Free of charge: the law allows no fee for this request.")
    if regime != Regime.APPI:
        return fee_only_if_unfounded(kind, regime)
    schedule = FeeSchedule.objects.applicable(
        kind=kind, regime=regime, basis=FeeBasis.PUBLISHED, delivery_method=delivery_method
    )
    if schedule is None or not schedule.amount:
        return _("Free of charge: no fee is published for this request.")
    return _(
        "Our published fee of ¥%(amount)s applies (APPI art. 38). We tell you before "
        "anything is charged, and we start work once it is paid."
    ) % {"amount": f"{schedule.amount:,}"}


def request_summary(
    *,
    kind: str,
    services=(),
    categories: list[str] | None = None,
    scope: dict | None = None,
    delivery_method: str = "",
    regime: str | None = None,
    due_at: dt.datetime | None = None,
    time_zone: str | None = None,
    customer=None,
    subject=None,
) -> Summary:
    """What a request covers, in the active language.

    ``services`` are ``portal.Service`` rows; ``due_at`` defaults to the
    regime's deadline for a request received now, counted in ``time_zone``
    (the requester's; by default the regime's), where ``due_on`` states its day.
    ``customer``: who files it from their account, whose settings hold the address
    a paper answer is posted to. ``subject``: whose request a filed one is, when it is
    not the customer's own (``customer`` stands for both on the review page).
    """
    scope = dict(scope or {})
    categories = list(categories or [])
    regime = regime or settings.RIGHTS_DEFAULT_REGIME
    account, closes = _account(kind, scope)
    due_at = due_at or deadlines.base_deadline(regime, timezone.now(), kind=kind, tz=time_zone)
    by_post = kind in DELIVERED_KINDS and delivery_method == DeliveryMethod.PAPER
    service_labels = [s.display_name for s in by_name(services)]
    return Summary(
        kind=kind,
        kind_label=str(Kind(kind).label),
        what=_what(
            kind,
            categories=categories,
            scope=scope,
            delivery_method=delivery_method,
            changes=scope.get("changes") or [],
            services=service_labels,
        ),
        services=_services_text(
            kind, service_labels=service_labels, scope=scope, subject=subject or customer
        ),
        account=account,
        account_closes=closes,
        kept=_kept(
            kind,
            categories=categories,
            scope=scope,
            regime=regime,
            services=[s.code for s in services],
        ),
        fee=_fee(kind, regime=regime, delivery_method=delivery_method),
        due_at=due_at,
        due_on=deadlines.local_day(due_at, regime, time_zone),
        time_zone=time_zone or deadlines.regime_time_zone(regime),
        irreversible=kind in IRREVERSIBLE_KINDS,
        lasting=kind in LASTING_KINDS,
        by_post=by_post,
        post_to=profile_address(customer) if by_post else None,
    )


def copies_named(deletion) -> str:
    """The requests whose copy the deletion's erasure waits for, listed: a link to each
    one's page when the deletion's requester filed it (they can open it), else its
    reference."""
    return mark_safe(
        listed(
            format_html(
                '<a href="{}">{}</a>', reverse("rights:request_detail", args=[r.pk]), r.reference
            )
            if r.requester_id == deletion.requester_id
            else conditional_escape(r.reference)
            for r in copies_awaited(deletion)
        )
    )


def summary_of(request) -> Summary:
    """The summary of a filed request, for whoever filed it (``selectors.request_view``
    shows it to nobody else: it holds their postal address). Where a paper answer is
    posted is said while the request is open; once it is closed the answer is posted
    or not coming, and the address in the settings may have changed since."""
    summary = request_summary(
        kind=request.kind,
        services=list(request.services.all()),
        categories=request.categories,
        scope=request.scope,
        delivery_method=request.delivery_method,
        regime=request.regime,
        due_at=request.due_at,
        time_zone=request.zone,
        subject=request.subject,
    )
    if request.kind == Kind.DELETION:
        summary.held = kept_lines(request)
        if request.status == Status.IN_PROGRESS and request.subject_id is not None:
            summary.copy_first = copies_named(request)
    if not request.is_open:
        summary.by_post = False
    elif summary.by_post:
        summary.post_to = paper_address(request)
    return summary


@dataclass(frozen=True)
class KindOverview:
    """A kind of request on the type picker: when the answer is due if filed now, and
    whether a fee may apply."""

    kind: str
    due_at: dt.datetime
    #: The last day, and the days until it, in the regime's time zone, where the
    #: request would be filed and its deadline counted (as the next page says).
    due_on: dt.date
    days: int
    fee: str
    #: The regime's time zone, which the page names beside the day.
    time_zone: str = ""


def kind_overview(kind: str, *, regime: str | None = None) -> KindOverview:
    """What the type picker says of ``kind``, in the active language."""
    regime = regime or settings.RIGHTS_DEFAULT_REGIME
    now = timezone.now()
    due_at = deadlines.base_deadline(regime, now, kind=kind)
    due_on = deadlines.local_day(due_at, regime)
    if kind not in CHARGEABLE_KINDS:
        fee = _("Free of charge.")
    elif regime != Regime.APPI:
        fee = fee_only_if_unfounded(kind, regime)
    else:
        amounts = FeeSchedule.objects.effective().filter(
            kind=kind, regime=regime, basis=FeeBasis.PUBLISHED
        )
        lowest = min((row.amount for row in amounts), default=0)
        fee = (
            _("A fee applies: from ¥%(amount)s, told to you before anything is charged.")
            % {"amount": f"{lowest:,}"}
            if lowest
            else _("Free of charge: no fee is published for this request.")
        )
    days = (due_on - deadlines.local_day(now, regime)).days
    return KindOverview(
        kind=kind,
        due_at=due_at,
        due_on=due_on,
        days=days,
        fee=fee,
        time_zone=deadlines.regime_time_zone(regime),
    )
