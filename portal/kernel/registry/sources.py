"""The interface every source of personal data implements (:class:`Source`).

An external system joins the registry by subclassing it; the defaults of
``service_counts`` and ``records`` are built on ``stream``.
"""

from __future__ import annotations

import abc
import itertools
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any

from django.core import checks
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .fields import ANY, EMPTY_VALUES, Category, PersonalField, Record, RecordNotFound


class Source(abc.ABC):
    """The interface of a source of personal data, model-backed or external.

    Attributes every source has:

    ``key``        unique, stable identifier, e.g. ``"portal.usagerecord"``
    ``label``      what the data is called on the pages (translated)
    ``fields``     the :class:`PersonalField` items it holds
    ``retention``  the code of the retention rule its data falls under
    ``also_retained_under``  codes of further rules that also keep the same
                   records (e.g. the Companies Act's 10 years beside the tax
                   law's 7 for invoices): the longest period that applies wins
    ``erasure``    ``"delete"`` (records go) or ``"anonymise"`` (fields are
                   overwritten with their ``erase_to``; the record stays)
    ``single``     True when a subject has at most one record (shown as a list
                   of items rather than a table)
    ``origin``     where the data came from, for the customer (GDPR 15(1)(g)),
                   e.g. "You, when you signed up"; empty when not stated
    ``named_by``   the field by which the person tells one of their records from
                   another (a member number, the day an inquiry came in), used
                   where a page names one record; empty to name it by its number

    Methods an external source must implement: :meth:`stream`,
    :meth:`find_subjects`, :meth:`correct` and :meth:`erase`. The defaults of
    :meth:`service_counts` and :meth:`records` are built on :meth:`stream`,
    which suits a small external source; a source with many records per
    subject overrides them with something that counts and pages on its side
    (as :class:`ModelSource` does with one query each).

    Contracts: a source returns only the given subject's data; ``correct``
    validates before it writes and writes nothing on error; ``erase`` returns
    how many records it changed or removed. Audit events are written by the
    :class:`Registry`, not by sources, and never contain values.
    """

    key: str
    label: str | Promise
    fields: tuple[PersonalField, ...]
    retention: str
    erasure: str = "delete"
    single: bool = False
    origin: str | Promise = ""
    also_retained_under: tuple[str, ...] = ()
    named_by: str = ""

    @property
    def retention_codes(self) -> tuple[str, ...]:
        """Every retention rule that keeps this source's records, the main one first."""
        return (self.retention, *self.also_retained_under)

    # -- description ------------------------------------------------------

    def categories(self) -> list[Category]:
        """The categories of this source's fields, in page order."""
        present = {f.category for f in self.fields}
        return [c for c in Category if c in present]

    def fields_in(self, category: Category | str) -> tuple[PersonalField, ...]:
        return tuple(f for f in self.fields if f.category == category)

    def field(self, name: str) -> PersonalField:
        """The declared field ``name``; ValidationError when there is none."""
        for personal_field in self.fields:
            if personal_field.name == name:
                return personal_field
        raise ValidationError(
            _("“%(field)s” is not an item of %(source)s."),
            code="unknown_field",
            params={"field": name, "source": self.label},
        )

    def display(self, personal_field: PersonalField, value: Any) -> Any:
        """What the pages show for a stored value."""
        if personal_field.display is not None and value not in (None, ""):
            return personal_field.display(value)
        return value

    def cell(self, personal_field: PersonalField, record: Record) -> Any:
        """What the pages show for a field of ``record``: :meth:`display` of its value
        (or the field's ``display_in_row`` of it and the record's values), or for an
        empty one what it stands for (:meth:`PersonalField.if_empty`), such as
        :data:`NOT_APPLICABLE` when the field does not apply to that record."""
        value = record.values.get(personal_field.name)
        if value in EMPTY_VALUES:
            meaning = personal_field.if_empty(record.values)
            if meaning is not None:
                return meaning
        if personal_field.display_in_row is not None and value not in (None, ""):
            return personal_field.display_in_row(value, record.values)
        return self.display(personal_field, value)

    def displayer(self, personal_field: PersonalField) -> Callable[[Any], Any] | None:
        """:meth:`display` of one field as a function of the value, found once per
        column rather than per cell; None when the field shows values as stored."""
        display = personal_field.display
        if display is None:
            return None
        return lambda value: value if value in (None, "") else display(value)

    def check(self) -> list[checks.CheckMessage]:
        """Problems with the declaration itself (reported as rights.E002)."""
        names = {f.name for f in self.fields}
        errors = []
        if self.named_by and self.named_by not in names:
            errors.append(f"named_by {self.named_by!r} is not one of its fields.")
        for personal_field in self.fields:
            reads = personal_field.display_reads
            if (personal_field.display_in_row is None) != (not reads):
                errors.append(
                    f"field {personal_field.name!r} gives display_in_row and display_reads "
                    "only together."
                )
            for name in reads:
                if name not in names or name == personal_field.name:
                    errors.append(
                        f"field {personal_field.name!r} reads {name!r}, which is not another "
                        "of its fields."
                    )
        return [
            checks.Error(f"Personal-data source {self.key}: {message}", id="rights.E002")
            for message in errors
        ]

    # -- reading ----------------------------------------------------------

    def service_counts(
        self, subject, *, services: Collection[str] | None = None
    ) -> dict[str | None, int]:
        """How many records the subject has, per service code (None: no service).

        With ``services``, only records of those services are counted.
        """
        counts: dict[str | None, int] = {}
        for record in self.stream(subject):
            if services is None or record.service in services:
                counts[record.service] = counts.get(record.service, 0) + 1
        return counts

    def count(self, subject, *, services: Collection[str] | None = None) -> int:
        return sum(self.service_counts(subject, services=services).values())

    def records(
        self,
        subject,
        *,
        service: Any = ANY,
        category: Category | str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Record]:
        """One page of the subject's records, in the source's display order.

        ``service`` is a service code, None (records tied to no service) or
        :data:`ANY`. With ``category``, records carry only that category's
        values (and a source without such fields returns none).
        """
        if category is not None and not self.fields_in(category):
            return []
        selected = (r for r in self.stream(subject) if service is ANY or r.service == service)
        stop = None if limit is None else offset + limit
        page = list(itertools.islice(selected, offset, stop))
        return [_only_category(self, r, category) for r in page]

    def record(self, subject, record_id: Any) -> Record:
        """One of the subject's records; RecordNotFound when it is not theirs."""
        for record in self.stream(subject):
            if str(record.id) == str(record_id):
                return record
        raise RecordNotFound(f"{self.key}:{record_id}")

    def rows(self, subject, names: Sequence[str]) -> Iterator[tuple]:
        """``(id, service, *values of names)`` of every record, in :meth:`stream`'s order.

        The export's path: plain tuples, no record objects. A model source
        reads them with large fetches from a server-side cursor.
        """
        for record in self.stream(subject):
            yield (record.id, record.service, *(record.values.get(n) for n in names))

    @abc.abstractmethod
    def stream(self, subject) -> Iterator[Record]:
        """Every record of the subject, one at a time; memory must stay flat."""

    @abc.abstractmethod
    def find_subjects(self, query: str) -> set[Any]:
        """Primary keys of the subjects whose declared lookup fields match ``query``."""

    # -- writing ----------------------------------------------------------

    @abc.abstractmethod
    def correct(
        self, subject, record_id: Any, field: str, value: Any, *, actor, together=None
    ) -> Record:
        """Set one editable field of one of the subject's records.

        ``together``: other fields of the same record corrected at the same time
        (``{field: value}``), written with it and checked with it (a start and an
        end of one period). Validates the values the way the source's own forms
        would and raises ValidationError with a message for the customer or staff
        when one is refused; nothing is written then. RecordNotFound for a record
        that is not the subject's. Returns the corrected record.
        """

    def clean_correction(
        self, subject, record_id: Any, field: str, value: Any, *, together=None
    ) -> Any:
        """The value ``correct`` would store, checked now (with ``together``); writes
        nothing.

        For a customer's correction request before it is filed: ValidationError
        with a message for the customer when ``correct`` would refuse the value
        today, RecordNotFound for a record that is not the subject's. A source
        that can only tell by writing checks that the fields may be corrected.
        """
        for name in [field, *(together or {})]:
            self.editable_field(name)
        return value

    def editable_field(self, field: str) -> PersonalField:
        """The declared field ``field``; ValidationError when it may not be corrected."""
        personal_field = self.field(field)
        if not personal_field.editable:
            raise ValidationError(
                {field: _("%(label)s cannot be corrected here.") % {"label": personal_field.label}},
                code="not_editable",
            )
        return personal_field

    @abc.abstractmethod
    def erase(self, subject, category: Category | str, *, actor) -> int:
        """Erase the subject's data of one category; return the records changed.

        Deletes the records (``erasure="delete"``) or overwrites the fields of
        that category with their ``erase_to`` (``"anonymise"``), in batches.
        A source without fields of the category does nothing and returns 0.
        """


def _only_category(source: Source, record: Record, category) -> Record:
    if category is None:
        return record
    names = {f.name for f in source.fields_in(category)}
    values = {k: v for k, v in record.values.items() if k in names}
    return Record(record.source, record.id, record.service, values)
