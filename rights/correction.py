"""The correction engine: a correction request's changes, their review against
the registry, and the decision that applies them (APPI art. 34, GDPR art. 16).

A correction request stores its changes in ``scope["changes"]``: a list of
``{"source", "record", "field", "label", "current_value", "new_value"}``,
where ``current_value`` is the stored value the customer saw when filing (as
text, e.g. ``"female"``, shown to them as its label). Requests filed earlier
hold the label they saw, in their language, instead; :func:`review` accepts
either. Requests filed before several changes were possible hold one change
at the top level of the scope; :func:`requested_changes` reads both.

Staff see each change as a before/after against the registry value now
(:func:`review`), then approve all, approve some or reject
(:func:`correction_decide`). Approved changes go through
:meth:`portal.kernel.registry.Registry.correct`, which validates them again; if one
no longer validates, nothing is written and staff are told which and why.
The timeline event holds the before/after values (the person's own data,
shown to them and to staff; the scope, the event and the notice are encrypted
at rest, see portal.kernel.fields.EncryptedJSONField); audit events name fields only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from portal.kernel.models import Service
from portal.kernel.registry import RecordNotFound, registry

from .choices import EventKind, Kind
from .models import RightsRequest
from .review_decisions import check_reason, finish, lock_for_decision, outcome_status


@dataclass(frozen=True)
class Change:
    """One item the customer asked to correct."""

    index: int
    source: str
    record: str
    field: str
    label: str
    asked_over: str | None
    new_value: str

    @property
    def key(self) -> str:
        return f"{self.source}.{self.field}"

    @property
    def asked_over_shown(self) -> str:
        """The value the customer saw, as the pages show it in the active language."""
        return display(self.source, self.field, self.asked_over)

    @property
    def new_value_shown(self) -> str:
        """The value asked for, as the pages show it (a choice's label, not its code)."""
        return display(self.source, self.field, self.new_value)


def requested_changes(request: RightsRequest) -> list[Change]:
    scope = request.scope or {}
    items = scope.get("changes")
    if items is None:
        items = [scope] if "field" in scope else []
    changes = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("source") or not item.get("field"):
            continue
        changes.append(
            Change(
                index=index,
                source=str(item["source"]),
                record=str(item.get("record", "")),
                field=str(item["field"]),
                label=field_label(
                    str(item["source"]),
                    str(item["field"]),
                    str(item.get("label") or item["field"]),
                    record=str(item.get("record", "")),
                    service=str(item.get("service") or ""),
                    name=item.get("record_name"),
                ),
                asked_over=item.get("current_value"),
                new_value=str(item.get("new_value", "")),
            )
        )
    return changes


def field_label(
    source_key: str,
    field: str,
    fallback: str = "",
    *,
    record: str = "",
    service: str = "",
    name: Any = None,
) -> str:
    """The item's label in the active language, from the registry's declaration.

    With ``record`` (its id) for a source that holds several records per person, the
    label says which one: the service it belongs to (``service``, its code) and what
    the person knows the record by (``name``, the value of the source's
    ``named_by`` field), e.g. "Registrations — started on (Video service, member
    number M-1024)"; its number when the source names its records by nothing.
    """
    try:
        source = registry.source(source_key)
        label = f"{source.label} — {source.field(field).label}"
    except (RecordNotFound, ValidationError):
        return fallback or field
    if not record or source.single:
        return label
    which = record_name(source, name) or _("no. %(number)s") % {"number": record}
    if service:
        found = Service.objects.filter(code=service).first()
        which = _("%(service)s, %(record)s") % {
            "service": found.display_name if found else service,
            "record": which,
        }
    return _("%(item)s (%(record)s)") % {"item": label, "record": which}


def record_names(subject, source_key: str, record_id: str) -> dict[str, str | None]:
    """The code of the service a record belongs to (empty for data about the person)
    and the value the person knows it by (the source's ``named_by`` field)."""
    try:
        source = registry.source(source_key)
        if source.single:
            return {"service": ""}
        record = source.record(subject, record_id)
    except RecordNotFound:
        return {"service": ""}
    names = {"service": record.service or ""}
    if source.named_by:
        names["record_name"] = plain(record.values.get(source.named_by))
    return names


def record_name(source, value: Any) -> str:
    """What the person knows one of their records by, e.g. "member number M-1024";
    empty when the source declares no ``named_by`` field or the record has no value."""
    if not source.named_by or value in (None, ""):
        return ""
    return _("%(field)s %(value)s") % {
        "field": source.field(source.named_by).label,
        "value": display(source.key, source.named_by, value),
    }


def display(source_key: str, field: str, value: Any) -> str:
    """A stored value as the pages show it (a choice's label, a date in the
    documented style); "—" for none.

    ``value`` may be the text a scope or an outcome holds (``"5"`` for a
    number); it is read with the model field first.
    """
    if value in (None, ""):
        return "—"
    try:
        source = registry.source(source_key)
        personal_field = source.field(field)
        model = getattr(source, "model", None)
        if model is not None and isinstance(value, str):
            value = model._meta.get_field(field).to_python(value)
        shown = source.display(personal_field, value)
    except (RecordNotFound, ValidationError, FieldDoesNotExist):
        return str(value)
    if isinstance(shown, dt.datetime):
        return formats.date_format(
            timezone.localtime(shown) if timezone.is_aware(shown) else shown, "DATETIME_FORMAT"
        )
    if isinstance(shown, dt.date):
        return formats.date_format(shown, "DATE_FORMAT")
    return str(shown)


def plain(value: Any) -> str | None:
    """A value as JSON can hold it in a scope, the timeline and the notice."""
    if value is None:
        return None
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class ChangeReview:
    """A change next to the registry value now, for the staff's decision."""

    change: Change
    label: str
    current: str
    requested: str
    #: Why it cannot be applied as it stands (record gone, not correctable, invalid).
    problem: str = ""
    #: The registry value differs from the one the customer saw when filing.
    changed_since: bool = False
    #: The registry already holds the requested value.
    already: bool = False


def _seen_as(change: Change, raw: Any) -> set[str]:
    """What the customer was shown when filing if the stored value was ``raw``.

    The stored value itself, as requests hold it now, or its label in any of
    the site's languages, as requests filed earlier hold it: the customer may
    have filed in another language than the staff member's.
    """
    if raw in (None, ""):
        return {""}
    seen = {plain(raw)}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            seen.add(display(change.source, change.field, raw))
    return seen


def _current(subject, change: Change) -> Any:
    source = registry.source(change.source)
    return source.record(subject, change.record).values.get(change.field)


def _problem(change: Change) -> str:
    try:
        source = registry.source(change.source)
        personal_field = source.field(change.field)
    except (RecordNotFound, ValidationError):
        return _("This item is no longer held.")
    if not personal_field.editable:
        return _("This item cannot be corrected through the registry.")
    model = getattr(source, "model", None)
    if model is not None:
        try:
            model._meta.get_field(change.field).clean(change.new_value, None)
        except ValidationError as error:
            return " ".join(error.messages)
    return ""


def review(request: RightsRequest) -> list[ChangeReview]:
    """Each requested change as a before/after against the registry value now."""
    reviews = []
    for change in requested_changes(request):
        label = field_label(change.source, change.field, change.label)
        problem = _problem(change)
        try:
            raw = _current(request.subject, change) if request.subject_id else None
        except RecordNotFound:
            reviews.append(
                ChangeReview(change, label, "—", change.new_value, _("The record is gone."))
            )
            continue
        reviews.append(
            ChangeReview(
                change,
                label,
                display(change.source, change.field, raw),
                display(change.source, change.field, change.new_value),
                problem,
                changed_since=(change.asked_over or "") not in _seen_as(change, raw),
                already=plain(raw) == change.new_value,
            )
        )
    return reviews


def _apply(subject, chosen: list[tuple[Change, str]], *, actor, http_request=None) -> list[dict]:
    """Write each chosen ``(change, label)`` through the registry (which validates it
    again), the changes of one record together, and return their before/after for
    the timeline and the notice, in the order given. ValidationError for staff,
    naming the items, when a record is gone or a value is refused; the caller's
    transaction then writes nothing."""
    records: dict[tuple[str, str], list[tuple[Change, str]]] = {}
    for change, label in chosen:
        records.setdefault((change.source, change.record), []).append((change, label))
    done = {}
    for group in records.values():
        changes = [change for change, _label in group]
        first = changes[0]
        label = ", ".join(str(item_label) for _change, item_label in group)
        try:
            before = registry.source(first.source).record(subject, first.record).values
            record = registry.correct(
                subject,
                source=first.source,
                record_id=first.record,
                field=first.field,
                value=first.new_value,
                together={change.field: change.new_value for change in changes[1:]},
                actor=actor,
                request=http_request,
            )
        except RecordNotFound:
            raise ValidationError(
                _("%(label)s: the record is gone. Nothing was changed.") % {"label": label}
            ) from None
        except ValidationError as error:
            raise ValidationError(
                _(
                    "%(label)s: the requested value is not valid now (%(error)s). "
                    "Nothing was changed."
                )
                % {"label": label, "error": " ".join(error.messages)}
            ) from None
        for change in changes:
            done[change.index] = {
                "source": change.source,
                "record": change.record,
                "field": change.field,
                "label": change.label,
                "before": plain(before.get(change.field)),
                "after": plain(record.values.get(change.field)),
            }
    return [done[change.index] for change, _label in chosen]


def correction_decide(
    *,
    request: RightsRequest,
    approve: Collection[int],
    actor,
    reason: str = "",
    ground: str = "",
    http_request=None,
) -> RightsRequest:
    """Apply the approved changes (by index) and close the request.

    All approved: completed. Some: partially completed; ``reason`` says why
    the rest is not done. None: rejected, with ``reason`` and ``ground``
    (e.g. the data is accurate, APPI 34(1)). ValidationError with a message for
    staff when the request cannot be decided now, when a reason is missing or
    when an approved value no longer validates; nothing is written then.
    """
    changes = requested_changes(request)
    chosen = set(approve)
    if not changes:
        raise ValidationError(_("This request names no item to correct."))
    if not chosen <= {c.index for c in changes}:
        raise ValidationError(_("Choose among the changes the person asked for."))
    to = outcome_status(granted=len(chosen), total=len(changes))
    with transaction.atomic():
        locked = lock_for_decision(request, {Kind.CORRECTION})
        check_reason(kind=locked.kind, regime=locked.regime, to=to, reason=reason, ground=ground)
        subject = locked.subject
        approved, declined = [], []
        for change in changes:
            label = field_label(change.source, change.field, change.label)
            if change.index not in chosen:
                declined.append(
                    {
                        "source": change.source,
                        "field": change.field,
                        "label": change.label,
                        "requested": change.new_value,
                    }
                )
                continue
            approved.append((change, label))
        applied = _apply(subject, approved, actor=actor, http_request=http_request)
        outcome = {"kind": "correction", "changed": applied, "unchanged": declined}
        finish(
            locked,
            to=to,
            actor=actor,
            reason=reason,
            ground=ground,
            event_kind=EventKind.CORRECTION,
            outcome=outcome,
            audit_action="request.correction_decided",
            audit_details={
                "applied": [f"{c['source']}.{c['field']}" for c in applied],
                "declined": [f"{c['source']}.{c['field']}" for c in declined],
            },
            http_request=http_request,
        )
    request.refresh_from_db()
    return request


@dataclass(frozen=True)
class StatedChange:
    """One correction asked in the person's own words, on the form without an account:
    no registry record is matched when it is filed (``scope["stated_changes"]``)."""

    index: int
    wrong: str
    correct: str


def stated_changes(request: RightsRequest) -> list[StatedChange]:
    items = (request.scope or {}).get("stated_changes") or []
    return [
        StatedChange(index, str(item.get("wrong", "")), str(item.get("correct", "")))
        for index, item in enumerate(items)
        if isinstance(item, dict)
    ]


def stated_correction_decide(
    *,
    request: RightsRequest,
    apply: dict[int, tuple[str, str, str, str]],
    actor,
    reason: str = "",
    ground: str = "",
    http_request=None,
) -> RightsRequest:
    """Decide a correction asked in the person's words (APPI art. 34, GDPR art. 16).

    ``apply`` maps an item's index to the registry item staff found it to be, as
    ``(source, record id, field, value to write)``; each goes through the registry
    like any correction (:func:`correction_decide`), and the rest are told to the
    person as not changed, with ``reason``. None applied: rejected, with ``reason``
    and ``ground`` (e.g. the data is accurate). ValidationError with a message for
    staff, and nothing written, as for :func:`correction_decide`.
    """
    items = stated_changes(request)
    if not items:
        raise ValidationError(_("This request names no item to correct."))
    if not set(apply) <= {item.index for item in items}:
        raise ValidationError(_("Choose among the changes the person asked for."))
    targets = [(source, record, field) for source, record, field, _value in apply.values()]
    if len(set(targets)) < len(targets):
        raise ValidationError(_("Two items are applied to the same registry item."))
    to = outcome_status(granted=len(apply), total=len(items))
    with transaction.atomic():
        locked = lock_for_decision(request, {Kind.CORRECTION})
        check_reason(kind=locked.kind, regime=locked.regime, to=to, reason=reason, ground=ground)
        approved, declined = [], []
        for item in items:
            if item.index not in apply:
                # No registry field: the person's words stand for the item and the value.
                declined.append(
                    {"source": "", "field": "", "label": item.wrong, "requested": item.correct}
                )
                continue
            source, record, field, value = apply[item.index]
            names = record_names(locked.subject, source, record)
            label = field_label(
                source,
                field,
                record=record,
                service=names["service"],
                name=names.get("record_name"),
            )
            approved.append((Change(item.index, source, record, field, label, None, value), label))
        applied = _apply(locked.subject, approved, actor=actor, http_request=http_request)
        finish(
            locked,
            to=to,
            actor=actor,
            reason=reason,
            ground=ground,
            event_kind=EventKind.CORRECTION,
            outcome={"kind": "correction", "changed": applied, "unchanged": declined},
            audit_action="request.correction_decided",
            audit_details={
                # Fields and item numbers only: the person's words are values.
                "applied": [f"{c['source']}.{c['field']}" for c in applied],
                "declined_items": [i.index + 1 for i in items if i.index not in apply],
            },
            http_request=http_request,
        )
    request.refresh_from_db()
    return request


def outcome_lines(outcome: dict) -> dict[str, list[dict]]:
    """What changed and what did not, labelled and displayed in the active language.

    For the notice and the timelines: ``changed`` items have ``label``,
    ``before``, ``after``; ``unchanged`` items ``label`` and ``requested``.
    """
    changed = [
        {
            "label": field_label(item["source"], item["field"], item.get("label", "")),
            "before": display(item["source"], item["field"], item.get("before")),
            "after": display(item["source"], item["field"], item.get("after")),
        }
        for item in outcome.get("changed", [])
    ]
    unchanged = [
        {
            "label": field_label(item["source"], item["field"], item.get("label", "")),
            "requested": display(item["source"], item["field"], item.get("requested")),
        }
        for item in outcome.get("unchanged", [])
    ]
    return {"changed": changed, "unchanged": unchanged}
