"""The vocabulary of the registry: data categories, declared fields, records.

Also the constants the sources share (batch sizes, ``ANY``, ``EVERY_SUBJECT``)
and the per-block restrictions set by ``Registry.restricted``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """Kinds of personal data; the order here is the order on the pages."""

    IDENTITY = "identity", _("Identity")
    CONTACT = "contact", _("Contact details")
    DEMOGRAPHIC = "demographic", _("Personal attributes")
    PROFESSIONAL = "professional", _("Work")
    ACCOUNT = "account", _("Account")
    CONTRACT = "contract", _("Contracts and memberships")
    PAYMENT = "payment", _("Payment methods")
    TRANSACTIONS = "transactions", _("Transactions and invoices")
    USAGE = "usage", _("Usage history")
    COMMUNICATIONS = "communications", _("Inquiries and correspondence")
    CONSENT = "consent", _("Consent")
    REQUESTS = "requests", _("Requests")


class Lookup(enum.Enum):
    """How a field helps staff find a subject (:meth:`Registry.find_subjects`)."""

    #: The whole address, whatever its case. Compares ``Lower(field)``, which a
    #: functional index on the user's e-mail serves.
    EMAIL = "email"
    #: Digits only on both sides (``+81 3-5555-0123`` finds ``03 5555 0123``);
    #: compares the keyed hash in the column derived from the field with
    #: ``portal.kernel.encryption.phone_hash`` (e.g. Profile.phone_hash).
    PHONE = "phone"
    #: A date in a usual format (1988-04-12, 1988/4/12, 19880412, 1988年4月12日);
    #: compares the column derived with ``portal.kernel.encryption.date_hash``.
    DATE = "date"
    #: Part of a name, ignoring spaces and (for Latin letters) case.
    NAME = "name"


class _Sentinel:
    """A marker value with one instance, kept when pickled (in a cache, a task's
    arguments); its repr is its constant's name."""

    _instance = None
    name = ""

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return self.name

    def __reduce__(self):
        return (type(self), ())


class _Delete(_Sentinel):
    """The ``erase_to`` of a field that has no replacement: it goes with its row."""

    name = "DELETE"


DELETE = _Delete()

#: What ``Source.records(service=...)`` means by "records of every service".
ANY = object()

#: Rows per transaction when erasing: short transactions hold row locks briefly
#: and let an interrupted erasure resume where it stopped.
ERASE_BATCH_SIZE = 500
#: Rows per round trip when streaming: large enough to be fast, small enough
#: that memory stays flat however many records a subject has.
STREAM_CHUNK_SIZE = 2000
#: Rows per fetch of :meth:`Source.rows` (exports): large fetches, few round trips.
ROWS_CHUNK_SIZE = 5000
#: At most this many subjects per source from one search.
FIND_LIMIT = 50

#: ``ModelSource.queryset(EVERY_SUBJECT)`` is every subject's rows: the
#: retention sweep erases by rule across customers. ``erase(EVERY_SUBJECT, ...)``
#: is one statement over what ``Registry.restricted`` leaves (and refuses
#: without a restriction).
EVERY_SUBJECT = object()

# Per source key, a condition the source's rows must also meet; set only by
# Registry.restricted() for the block it wraps.
_restrictions: ContextVar[Mapping[str, Q] | None] = ContextVar(
    "registry_restrictions", default=None
)


#: The stored values that count as empty: nothing registered, unless the field
#: says otherwise (``PersonalField.not_applicable_if_empty``).
EMPTY_VALUES = (None, "", [], {})


@dataclass(frozen=True)
class PersonalField:
    """One item of personal data a source holds.

    ``erase_to`` is the replacement written when its category is erased from
    an ``erasure="anonymise"`` source: a value, or a database expression (e.g.
    ``Concat(Value("erased-"), Cast("pk", CharField()))`` for a unique column).
    :data:`DELETE` (the default) means the value goes only with its row.
    ``editable`` says whether it may be corrected through the registry.
    ``display`` turns a stored value into what the pages show (e.g. yen).
    ``not_applicable_if_empty`` says what an empty value means: by default
    that nothing is registered (a phone number not given); True when the field
    is left empty on the records it does not apply to (the purpose of a
    policy acceptance), or a function of the record's stored values (its
    ``Record.values``) saying so for one record, when an empty value means
    something else on the others (the purpose of a stop of use: every
    purpose). The pages show :data:`NOT_APPLICABLE` for such a value in a
    table; the list of a single record (the account) leaves the item out, so a
    pending change of address is listed only while one is pending.
    ``empty_means`` is what an empty value says on the records the field
    applies to, when it is not that nothing is registered (the recipient of a
    stop of provision that names none: "every recipient"); the pages show it.
    ``display_in_row`` shows a value whose words depend on the record's other
    values (a withdrawal reads "use stopped" on a record of a purpose used
    until the person stops it): a function of the stored value and a mapping
    of the record's stored values holding at least the fields named in
    ``display_reads``; where the row is known it takes the place of
    ``display`` and of a choice's label. It is called for values that are not
    empty, and only on the columns that declare it: the other columns keep
    their converters of the value alone. Exports read the ``display_reads``
    fields with it and keep what it gave per value and those fields' values.
    """

    name: str
    category: Category
    label: str | Promise
    erase_to: Any = DELETE
    editable: bool = True
    lookup: Lookup | None = None
    display: Callable[[Any], Any] | None = None
    not_applicable_if_empty: bool | Callable[[Mapping[str, Any]], bool] = False
    empty_means: str | Promise | None = None
    display_in_row: Callable[[Any, Mapping[str, Any]], Any] | None = None
    display_reads: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "display_reads", tuple(self.display_reads))

    def applies(self, values: Mapping[str, Any]) -> bool:
        """Whether the field applies to the record of ``values`` (its stored values)."""
        if values.get(self.name) not in EMPTY_VALUES:
            return True
        return self.if_empty(values) is not NOT_APPLICABLE

    def if_empty(self, values: Mapping[str, Any]) -> Any:
        """What an empty value of the field stands for on the record of ``values``:
        :data:`NOT_APPLICABLE`, the field's ``empty_means``, or None when nothing
        is registered."""
        rule = self.not_applicable_if_empty
        if rule and (not callable(rule) or rule(values)):
            return NOT_APPLICABLE
        return self.empty_means

    @property
    def reads_other_fields(self) -> bool:
        """Whether :meth:`if_empty` or the display (``display_in_row``) takes the
        record's other values."""
        return callable(self.not_applicable_if_empty) or self.display_in_row is not None

    def row_display(self, names: Sequence[str]) -> Callable[[Sequence[Any], Any], Any] | None:
        """``display_in_row`` as a function of a row's values and the value, found once
        per column.

        For exports that read rows as tuples: ``names`` are the fields of those
        values, in order (with every field of ``display_reads``). Empty values are
        given back as they are. None for a field without ``display_in_row``: its
        column keeps the converter of the value alone, at no cost per cell.
        """
        display = self.display_in_row
        if display is None:
            return None
        positions = [(name, list(names).index(name)) for name in self.display_reads]

        def shown(values, value):
            if value in (None, ""):
                return value
            return display(value, {name: values[at] for name, at in positions})

        return shown

    def empty_column(self, names: Sequence[str]) -> Callable[[Sequence[Any]], Any] | None:
        """:meth:`if_empty` as a function of a row's values, found once per column.

        For exports that read rows as tuples: ``names`` are the fields of those
        values, in order (with every field :attr:`reads_other_fields` needs); the
        function is called only for an empty value. None when an empty value
        always means that nothing is registered: that column needs no check.
        """
        if not self.not_applicable_if_empty and self.empty_means is None:
            return None
        if not callable(self.not_applicable_if_empty):
            meaning = self.if_empty({})
            return lambda _values: meaning
        names = tuple(names)
        return lambda values: self.if_empty(dict(zip(names, values, strict=True)))


class _NotApplicable(_Sentinel):
    """The value shown for a field that does not apply to a record; falsy, like the
    empty value it stands for."""

    name = "NOT_APPLICABLE"

    def __bool__(self):
        return False


#: What ``Source.cell`` gives for a field that does not apply to a record (see
#: ``PersonalField.not_applicable_if_empty``): "not applicable", not "not registered".
NOT_APPLICABLE = _NotApplicable()


@dataclass(frozen=True)
class Record:
    """One record of a source about a subject.

    ``id`` identifies the record within its source (the primary key for a
    model); ``service`` is the code of the service it belongs to, or None for
    data about the customer as a whole; ``values`` holds the declared fields'
    stored values (not display values), keyed by field name.
    """

    source: str
    id: Any
    service: str | None
    values: dict[str, Any]


class RecordNotFound(LookupError):
    """The record does not exist, or belongs to another subject."""
