"""An external system as a registry :class:`~portal.kernel.registry.Source`.

:class:`ConnectorSource` answers the registry's interface with calls of the
connector contract, synchronously: the disclosure package reads a system's
records through it, labelled by system. The request flows (erasure,
correction, restriction) do not call it directly: they go through tasks
(:mod:`.dispatch`), which retry and record each system's outcome.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.kernel.registry import Category, PersonalField, Record, RecordNotFound, Source

from . import client, errors
from .labels import declared_labels, item_label, system_labels
from .models import ExternalSystem, Operation

#: Field names the portal knows to be secrets (CCPA regs §7024(d)): a value returned
#: under one of them is dropped, and the field listed as held but not disclosed, as if
#: the system had named it in the record's ``withheld`` (docs/connectors.md).
SECRET_FIELDS = frozenset(
    {
        "password",
        "password_hash",
        "security_answer",
        "ssn",
        "social_security_number",
        "my_number",
        "card_number",
        "cvv",
    }
)


def undisclosed(record: dict) -> dict:
    """``record`` (``{"id", "category", "values"}``) without the values it may not
    disclose: those its ``withheld`` names and those of :data:`SECRET_FIELDS`, all
    then named in ``withheld``. A record with neither is returned as it is."""
    values = record.get("values") if isinstance(record.get("values"), dict) else {}
    withheld = record.get("withheld") or []
    if not withheld and SECRET_FIELDS.isdisjoint(values):
        return record
    names = dict.fromkeys([*withheld, *(name for name in values if name in SECRET_FIELDS)])
    kept = {name: value for name, value in values.items() if name not in names}
    return {**record, "values": kept, "withheld": list(names)}


def subject_identifiers(subject) -> dict:
    """How an external system finds the customer: their number and e-mail address."""
    return {"customer_id": str(subject.pk), "email": subject.email}


def _category(value) -> Category:
    return Category(value) if value in Category.values else Category.ACCOUNT


class ConnectorSource(Source):
    """The personal data one HTTP-connected :class:`ExternalSystem` holds."""

    retention = "external"
    erasure = "delete"

    def __init__(self, system: ExternalSystem):
        self.system = system
        self.key = f"external.{system.pk}"
        self.label = system.name
        declared = declared_labels(system.fields)
        self.fields = tuple(
            PersonalField(
                item["name"], _category(item.get("category")), item_label(item["name"], declared)
            )
            for item in system.fields or []
            if isinstance(item, dict) and item.get("name")
        )

    def _call(self, operation: str, subject, **extra) -> client.Answer:
        payload = {
            "request_id": str(uuid.uuid4()),
            "operation": operation,
            "subject": subject_identifiers(subject),
            **extra,
        }
        answer = client.call(self.system, operation, payload, key=payload["request_id"])
        if answer.status == client.FAILED:
            raise client.Refused(answer.message or errors.COULD_NOT_DO_IT)
        if answer.status == client.ACCEPTED:
            raise client.Refused(errors.ANSWERS_LATER)
        return answer

    def stream(self, subject) -> Iterator[Record]:
        if not self.system.does(Operation.ACCESS):
            return
        answer = self._call(Operation.ACCESS, subject)
        for item in answer.records:
            if isinstance(item, dict):
                item = undisclosed(item)
                values = item.get("values") if isinstance(item.get("values"), dict) else {}
                yield Record(self.key, item.get("id"), None, values)

    def find_subjects(self, query: str) -> set:
        return set()  # the contract looks customers up by their identifiers, not by search

    def correct(self, subject, record_id, field: str, value, *, actor, together=None) -> Record:
        values = {field: value, **(together or {})}
        for name in values:
            self.field(name)
        if not self.system.does(Operation.CORRECT):
            raise ValidationError(_("%(system)s takes no corrections.") % {"system": self.label})
        changes = [{"field": name, "value": new} for name, new in values.items()]
        self._call(Operation.CORRECT, subject, changes=changes)
        for record in self.stream(subject):
            if str(record.id) == str(record_id):
                return record
        raise RecordNotFound(f"{self.key}:{record_id}")

    def erase(self, subject, category, *, actor) -> int:
        if not self.fields_in(category) or not self.system.does(Operation.ERASE):
            return 0
        answer = self._call(Operation.ERASE, subject, categories=[Category(category).value])
        return answer.count or 0


def disclosed_records(subject, categories=None) -> list[dict]:
    """What each HTTP-connected system holds about ``subject``, labelled by system.

    For a disclosure package: ``[{"system", "records": [{"id", "category",
    "values"}]}]`` of every active system that takes ``access`` and holds one
    of ``categories`` (None or empty: any); a record's secrets are left out and
    named in its ``withheld`` (:func:`undisclosed`). Raises :class:`client.Unavailable`
    or :class:`client.Refused` when a system cannot answer, so the package is
    built again later rather than delivered without it.
    """
    answers: list[dict] = []
    if subject is None:
        return answers
    systems = ExternalSystem.objects.filter(is_active=True, mode=ExternalSystem.Mode.API)
    for system in systems.order_by("name"):
        if not system.does(Operation.ACCESS) or not system.holds(categories or None):
            continue
        source = ConnectorSource(system)
        try:
            answer = source._call(Operation.ACCESS, subject)
        except client.CallFailed as error:
            # Staff read this as the build's failure: say which system it was.
            raise type(error)(error.reason, system=system.name) from error
        records = [
            undisclosed(item)
            for item in answer.records
            if isinstance(item, dict) and (not categories or item.get("category") in categories)
        ]
        answers.append({"system": system.name, "records": records})
    return answers


def labelled(answers: list[dict]) -> list[dict]:
    """``answers`` of :func:`disclosed_records` each with ``labels``: ``{name: label}``
    of every item its records return or withhold (:mod:`.labels`; the portal's words
    lazily, read in the language where they are shown or written)."""
    systems = {
        s.name: s for s in ExternalSystem.objects.filter(name__in=[a["system"] for a in answers])
    }
    return [
        {
            **answer,
            "labels": system_labels(
                systems.get(answer["system"]),
                dict.fromkeys(
                    [
                        *(
                            name
                            for record in answer["records"]
                            if isinstance(record.get("values"), dict)
                            for name in record["values"]
                        ),
                        *(
                            name
                            for record in answer["records"]
                            for name in record.get("withheld") or ()
                        ),
                    ]
                ),
            ),
        }
        for answer in answers
    ]


def readable(answers: list[dict]) -> list[dict]:
    """``answers`` of :func:`disclosed_records` with each record's kind of data named and
    its ``rows``: ``(label, value)`` pairs in the order the system returned them."""
    labels = dict(Category.choices)
    return [
        {
            **answer,
            "records": [
                {
                    **record,
                    "category_label": labels.get(record.get("category"), ""),
                    "rows": [
                        (answer["labels"].get(name, name), value)
                        for name, value in (record.get("values") or {}).items()
                    ],
                }
                for record in answer["records"]
            ],
        }
        for answer in labelled(answers)
    ]
