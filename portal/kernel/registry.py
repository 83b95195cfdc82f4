"""The personal-data registry: what the company holds about a customer, and where.

Every right the portal offers works through this one registry: "my data", the
staff subject lookup, disclosure packages, correction, deletion and the
retention sweep all loop over its sources instead of knowing the models.

Declaring data
--------------
Each app declares its personal data in ``<app>/personal_data.py``, imported at
start-up by :meth:`Registry.autodiscover` (like ``admin.py``)::

    from portal.kernel.registry import Category, ModelSource, PersonalField, registry

    registry.register(
        ModelSource(
            model=UsageRecord,
            subject_path="user",           # from a row to the customer
            service_path="service",        # from a row to its portal.Service
            retention="usage-log",         # the retention rule it falls under
            erasure="delete",              # or "anonymise" (fields get erase_to)
            label=_("Usage history"),
            order_by=("-occurred_at", "-pk"),
            fields=[
                PersonalField("occurred_at", Category.USAGE, _("time"), editable=False),
                ...,
            ],
        )
    )

A model that points at the user model and holds no customer data is exempted
with a reason instead: ``registry.exempt("admin.LogEntry", reason=...)``. The
system check ``rights.E001`` fails for a model that is neither;
``rights.E002`` for a declaration that does not match its model.

Sources
-------
A source is anything that holds personal data about a subject (a customer,
i.e. an instance of the user model). :class:`ModelSource` serves a Django
model; an external system (a mail provider, a call-centre database) plugs in
as a subclass of :class:`Source` implementing the same interface, and is
registered the same way. The registry never looks behind that interface.

Erasing
-------
:meth:`Registry.erase` is the raw engine: it erases what it is told. Callers
(the deletion workflow, the retention sweep) decide first what may go now;
legal holds are theirs to respect, not this module's.
"""

from __future__ import annotations

import abc
import contextlib
import enum
import itertools
from collections.abc import Callable, Collection, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import models, transaction
from django.db.models import Count, F, Q, Subquery, Value
from django.db.models.functions import Lower, Replace
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from portal.kernel import encryption
from portal.kernel.fields import derived_fields


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


class _Delete:
    """The ``erase_to`` of a field that has no replacement: it goes with its row."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "DELETE"

    def __reduce__(self):
        return (_Delete, ())


DELETE = _Delete()

#: What ``Source.records(service=...)`` means by "records of every service".
ANY = object()

#: Rows per transaction when erasing: short transactions hold row locks briefly
#: and let an interrupted erasure resume where it stopped.
ERASE_BATCH_SIZE = 500
#: Rows per round trip when streaming: large enough to be fast, small enough
#: that memory stays flat however many records a subject has.
STREAM_CHUNK_SIZE = 2000
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


@dataclass(frozen=True)
class PersonalField:
    """One item of personal data a source holds.

    ``erase_to`` is the replacement written when its category is erased from
    an ``erasure="anonymise"`` source: a value, or a database expression (e.g.
    ``Concat(Value("erased-"), Cast("pk", CharField()))`` for a unique column).
    :data:`DELETE` (the default) means the value goes only with its row.
    ``editable`` says whether it may be corrected through the registry.
    ``display`` turns a stored value into what the pages show (e.g. yen).
    """

    name: str
    category: Category
    label: str | Promise
    erase_to: Any = DELETE
    editable: bool = True
    lookup: Lookup | None = None
    display: Callable[[Any], Any] | None = None


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


class Source(abc.ABC):
    """The interface of a source of personal data, model-backed or external.

    Attributes every source has:

    ``key``        unique, stable identifier, e.g. ``"portal.usagerecord"``
    ``label``      what the data is called on the pages (translated)
    ``fields``     the :class:`PersonalField` items it holds
    ``retention``  the code of the retention rule its data falls under
    ``erasure``    ``"delete"`` (records go) or ``"anonymise"`` (fields are
                   overwritten with their ``erase_to``; the record stays)
    ``single``     True when a subject has at most one record (shown as a list
                   of items rather than a table)
    ``origin``     where the data came from, for the customer (GDPR 15(1)(g)),
                   e.g. "You, when you signed up"; empty when not stated

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

    def check(self) -> list[checks.CheckMessage]:
        """Problems with the declaration itself (reported as rights.E002)."""
        return []

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

    @abc.abstractmethod
    def stream(self, subject) -> Iterator[Record]:
        """Every record of the subject, one at a time; memory must stay flat."""

    @abc.abstractmethod
    def find_subjects(self, query: str) -> set[Any]:
        """Primary keys of the subjects whose declared lookup fields match ``query``."""

    # -- writing ----------------------------------------------------------

    @abc.abstractmethod
    def correct(self, subject, record_id: Any, field: str, value: Any, *, actor) -> Record:
        """Set one editable field of one of the subject's records.

        Validates the value the way the source's own forms would and raises
        ValidationError with a message for the customer or staff when it is
        refused; nothing is written then. RecordNotFound for a record that is
        not the subject's. Returns the corrected record.
        """

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


@dataclass(frozen=True, eq=False)
class ModelSource(Source):
    """Personal data in a Django model.

    ``subject_path`` leads from a row to the customer, as in a query
    (``"user"``, ``"invoice__user"``; ``""`` when the model is the user model).
    The service is either ``service_path`` (from a row to a ``portal.Service``,
    may be nullable) or a fixed ``service_code``; with neither, the data is
    about the customer as a whole. ``order_by`` is the display order.

    ``key`` defaults to the model's label (``"rights.rightsrequest"``). Keys
    are stored (erasure-ledger entries, deferred erasures, legal holds'
    records, retention-run counts, request scopes), so a model that moves to
    another app passes its old key explicitly and keeps it.

    Counting and paging cost one query each (``service_counts`` groups by
    service); ``stream`` runs ``values().iterator(chunk_size=...)``, a
    server-side cursor on PostgreSQL, so memory stays flat.
    """

    model: type[models.Model]
    subject_path: str
    fields: tuple[PersonalField, ...]
    retention: str
    label: str | Promise = ""
    service_path: str | None = None
    service_code: str | None = None
    erasure: str = "delete"
    order_by: tuple[str, ...] = ("-pk",)
    key: str = ""
    origin: str | Promise = ""

    def __post_init__(self):
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "order_by", tuple(self.order_by))
        if not self.key:
            object.__setattr__(self, "key", self.model._meta.label_lower)
        if not self.label:
            object.__setattr__(self, "label", self.model._meta.verbose_name_plural)

    # -- description ------------------------------------------------------

    @cached_property
    def single(self) -> bool:  # type: ignore[override]
        """At most one row per subject: the user model itself, or a one-to-one."""
        if not self.subject_path:
            return True
        first = self.subject_path.split("__")[0]
        try:
            return self.model._meta.get_field(first).one_to_one and "__" not in self.subject_path
        except FieldDoesNotExist:
            return False

    @cached_property
    def _subject_id(self) -> str:
        return self.subject_path or "pk"

    @cached_property
    def _choices(self) -> dict[str, dict[Any, Any]]:
        result = {}
        for personal_field in self.fields:
            model_field = self.model._meta.get_field(personal_field.name)
            if model_field.choices:
                result[personal_field.name] = dict(model_field.flatchoices)
        return result

    def display(self, personal_field: PersonalField, value: Any) -> Any:
        choices = self._choices.get(personal_field.name)
        if choices is not None and value in choices:
            return choices[value]
        return super().display(personal_field, value)

    def check(self) -> list[checks.CheckMessage]:
        errors = []

        def error(message, hint=None):
            errors.append(
                checks.Error(
                    f"Personal-data source {self.key}: {message}",
                    hint=hint,
                    obj=self.model,
                    id="rights.E002",
                )
            )

        if _label(_path_target(self.model, self.subject_path)) != settings.AUTH_USER_MODEL.lower():
            error(
                f"subject_path {self.subject_path!r} does not lead to {settings.AUTH_USER_MODEL}.",
                hint="Use the lookup path from a row to the customer, e.g. 'user'.",
            )
        if self.service_path is not None:
            if self.service_code is not None:
                error("give service_path or service_code, not both.")
            if _label(_path_target(self.model, self.service_path)) != "portal.service":
                error(f"service_path {self.service_path!r} does not lead to portal.Service.")
        if self.erasure not in ("delete", "anonymise"):
            error(f"erasure must be 'delete' or 'anonymise', not {self.erasure!r}.")
        if not self.retention:
            error("retention code missing.")
        seen = set()
        for personal_field in self.fields:
            if personal_field.name in seen:
                error(f"field {personal_field.name!r} declared twice.")
            seen.add(personal_field.name)
            try:
                model_field = self.model._meta.get_field(personal_field.name)
            except FieldDoesNotExist:
                error(f"{self.model.__name__} has no field {personal_field.name!r}.")
                continue
            if not model_field.concrete or model_field.many_to_many:
                error(f"field {personal_field.name!r} is not a column of {self.model.__name__}.")
            if personal_field.lookup in _HASHED_LOOKUPS and not _hash_column(
                self.model, personal_field
            ):
                error(
                    f"field {personal_field.name!r} is looked up by {personal_field.lookup.value} "
                    "but has no hash column.",
                    hint="Add a DerivedCharField with source=<field> and compute="
                    f"portal.kernel.encryption.{_HASHED_LOOKUPS[personal_field.lookup].__name__}.",
                )
            if personal_field.category not in Category.values:
                error(f"field {personal_field.name!r} has an unknown category.")
            if self.erasure == "anonymise":
                if personal_field.erase_to is DELETE:
                    error(
                        f"field {personal_field.name!r} has no erase_to replacement.",
                        hint="Anonymised sources state a replacement for every field.",
                    )
                elif personal_field.erase_to is None and not model_field.null:
                    error(f"field {personal_field.name!r} cannot be erased to None (NOT NULL).")
        return errors

    # -- reading ----------------------------------------------------------

    def queryset(self, subject) -> models.QuerySet:
        """The subject's rows; the one place this source filters by subject.

        Inside :meth:`Registry.restricted` only the rows meeting its condition
        for this source; for :data:`EVERY_SUBJECT` every subject's rows.
        """
        manager = self.model._default_manager
        if subject is EVERY_SUBJECT:
            qs = manager.all()
        else:
            qs = manager.filter(**{self._subject_id: subject.pk})
        condition = (_restrictions.get() or {}).get(self.key)
        return qs if condition is None else qs.filter(condition)

    def _in_services(self, qs, services):
        if services is None:
            return qs
        if self.service_path:
            return qs.filter(**{f"{self.service_path}__code__in": list(services)})
        # .none() runs no query at all.
        return qs if self.service_code in services else qs.none()

    def _values(self, qs):
        names = [f.name for f in self.fields]
        if self.service_path:
            return qs.values("pk", *names, rp_service=F(f"{self.service_path}__code"))
        return qs.values("pk", *names)

    def _record(self, row: dict) -> Record:
        service = row.pop("rp_service", self.service_code)
        return Record(self.key, row.pop("pk"), service, row)

    def service_counts(self, subject, *, services=None):
        qs = self._in_services(self.queryset(subject), services)
        if not self.service_path:
            count = qs.count()
            return {self.service_code: count} if count else {}
        rows = (
            qs.order_by()
            .values(rp_service=F(f"{self.service_path}__code"))
            .annotate(rp_count=Count("pk"))
        )
        return {row["rp_service"]: row["rp_count"] for row in rows}

    def records(self, subject, *, service=ANY, category=None, offset=0, limit=None):
        if category is not None and not self.fields_in(category):
            return []
        qs = self.queryset(subject)
        if service is not ANY and self.service_path:
            if service is None:
                qs = qs.filter(**{f"{self.service_path}__isnull": True})
            else:
                # A subquery for the service's id rather than a join on its code:
                # the planner then walks the (user, service, time desc) index in
                # order and stops after one page, instead of sorting the history.
                service_model = _path_target(self.model, self.service_path)
                service_id = service_model._default_manager.filter(code=service).values("pk")
                qs = qs.filter(**{self.service_path: Subquery(service_id[:1])})
        elif service is not ANY and service != self.service_code:
            return []
        qs = qs.order_by(*self.order_by)
        qs = qs[offset : None if limit is None else offset + limit]
        return [_only_category(self, self._record(row), category) for row in self._values(qs)]

    def record(self, subject, record_id) -> Record:
        try:
            row = self._values(self.queryset(subject).filter(pk=record_id)).first()
        except (ValueError, TypeError, ValidationError):
            row = None
        if row is None:
            raise RecordNotFound(f"{self.key}:{record_id}")
        return self._record(row)

    def stream(self, subject, *, chunk_size: int = STREAM_CHUNK_SIZE) -> Iterator[Record]:
        ordering = self.order_by
        if self.service_path:
            # Service first: the order of the composite (user, service, time) indexes.
            ordering = (self.service_path, *ordering)
        qs = self._values(self.queryset(subject).order_by(*ordering))
        for row in qs.iterator(chunk_size=chunk_size):
            yield self._record(row)

    def find_subjects(self, query: str) -> set[Any]:
        condition = Q()
        aliases = {}
        for personal_field in self.fields:
            match = _lookup_condition(self.model, personal_field, query)
            if match is not None:
                alias, expression, lookup, value = match
                aliases[alias] = expression
                condition |= Q(**{f"{alias}__{lookup}": value})
        if not condition:
            return set()
        qs = self.model._default_manager.alias(**aliases).filter(condition)
        return set(qs.values_list(self._subject_id, flat=True).distinct()[:FIND_LIMIT])

    # -- writing ----------------------------------------------------------

    def _get_for_update(self, subject, record_id):
        try:
            return self.queryset(subject).select_for_update().get(pk=record_id)
        except (self.model.DoesNotExist, ValueError, TypeError, ValidationError):
            raise RecordNotFound(f"{self.key}:{record_id}") from None

    def correct(self, subject, record_id, field, value, *, actor) -> Record:
        personal_field = self.field(field)
        if not personal_field.editable:
            raise ValidationError(
                {field: _("%(label)s cannot be corrected here.") % {"label": personal_field.label}},
                code="not_editable",
            )
        model_field = self.model._meta.get_field(field)
        with transaction.atomic():
            obj = self._get_for_update(subject, record_id)
            if value in ("", None) and model_field.null:
                new_value = None
            else:
                try:
                    new_value = model_field.to_python(value)
                except ValidationError as exc:
                    raise ValidationError({field: exc.messages}, code="invalid") from None
            if getattr(obj, model_field.attname) != new_value:
                setattr(obj, model_field.attname, new_value)
                others = [
                    f.name for f in self.model._meta.concrete_fields if f.name != model_field.name
                ]
                # Field validation covers only the corrected field: an old
                # problem elsewhere in the row must not block the correction.
                # The model's clean(), unique and check constraints run in full.
                obj.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
                obj.validate_unique()
                obj.validate_constraints()
                auto_now = [
                    f.name for f in self.model._meta.concrete_fields if getattr(f, "auto_now", 0)
                ]
                obj.save(update_fields=[model_field.name, *auto_now])
            row = self._values(self.model._default_manager.filter(pk=obj.pk)).get()
        return self._record(row)

    def erase(self, subject, category, *, actor, batch_size: int = ERASE_BATCH_SIZE) -> int:
        erased_fields = self.fields_in(category)
        if not erased_fields:
            return 0
        manager = self.model._default_manager
        if subject is EVERY_SUBJECT:
            return self._erase_every_subject(erased_fields)
        total = 0
        last_pk = None
        while True:
            with transaction.atomic():
                qs = self.queryset(subject).order_by("pk")
                if last_pk is not None:
                    qs = qs.filter(pk__gt=last_pk)
                pks = list(qs.select_for_update().values_list("pk", flat=True)[:batch_size])
                if not pks:
                    return total
                if self.erasure == "delete":
                    manager.filter(pk__in=pks).delete()
                else:
                    manager.filter(pk__in=pks).update(**{f.name: f.erase_to for f in erased_fields})
            total += len(pks)
            last_pk = pks[-1]

    def _erase_every_subject(self, erased_fields) -> int:
        """One statement over the rows :meth:`Registry.restricted` leaves.

        For the retention sweep, which cuts the table into key ranges of its
        own, holds the lock of each range and needs a range to cost one
        ``DELETE``/``UPDATE`` rather than a list of ids.
        """
        if self.key not in (_restrictions.get() or {}):
            raise ImproperlyConfigured(
                f"Erasing {self.key} for every subject needs Registry.restricted(...)."
            )
        qs = self.queryset(EVERY_SUBJECT)
        if self.erasure == "delete":
            _total, per_model = qs.delete()
            return per_model.get(self.model._meta.label, 0)
        return qs.update(**{f.name: f.erase_to for f in erased_fields})


def _path_target(model, path: str):
    """The model a lookup path leads to (a label while unresolved), or None."""
    if not path:
        return model
    for part in path.split("__"):
        if isinstance(model, str):
            return None
        try:
            model_field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if not model_field.is_relation or model_field.related_model is None:
            return None
        model = model_field.related_model
    return model


def _label(model) -> str | None:
    """ "app_label.modelname" of a model, or of a relation's unresolved target."""
    if model is None:
        return None
    return (model if isinstance(model, str) else model._meta.label).lower()


def _compact(text: str) -> str:
    return "".join(text.split())


_HASHED_LOOKUPS = {Lookup.PHONE: encryption.phone_hash, Lookup.DATE: encryption.date_hash}


def _hash_column(model, personal_field: PersonalField) -> str | None:
    """The column holding the keyed hash a phone or date lookup compares."""
    compute = _HASHED_LOOKUPS.get(personal_field.lookup)
    for derived in derived_fields(model):
        if derived.source == personal_field.name and derived.compute is compute:
            return derived.name
    return None


def _lookup_condition(model, personal_field: PersonalField, query: str):
    """(alias, expression, lookup, value) for one field and a search, or None."""
    query = (query or "").strip()
    alias = f"rp_find_{personal_field.name}"
    if personal_field.lookup is Lookup.EMAIL and "@" in query:
        return alias, Lower(personal_field.name), "exact", query.lower()
    if personal_field.lookup is Lookup.PHONE:
        digits = encryption.phone_digits(query)
        if len(digits) >= 6 and not any(ch.isalpha() for ch in query):
            return (
                alias,
                F(_hash_column(model, personal_field)),
                "exact",
                encryption.phone_hash(query),
            )
    if personal_field.lookup is Lookup.DATE:
        day = encryption.parse_date(query)
        if day is not None:
            column = F(_hash_column(model, personal_field))
            return alias, column, "exact", encryption.date_hash(day)
    if personal_field.lookup is Lookup.NAME and "@" not in query:
        compact = _compact(query)
        if len(compact) >= 2 and not compact.isdigit():
            expression = Replace(
                Replace(F(personal_field.name), Value(" "), Value("")), Value("\u3000"), Value("")
            )
            return alias, expression, "icontains", compact
    return None


# ---------------------------------------------------------------------------
# The subject view: what the "my data" page and the staff lookup show.
# ---------------------------------------------------------------------------


class _Texts:
    """The purposes and retention texts of one subject view, each asked for once.

    A category appears under several services and a retention rule under
    several categories; the providers query the database, so one view asks
    each question once.
    """

    def __init__(self, registry: Registry):
        self.registry = registry
        self.purposes: dict[tuple[Category, str | None], Any] = {}
        self.retention: dict[str, str | None] = {}

    def retention_text(self, code: str) -> str | None:
        if code not in self.retention:
            self.retention[code] = self.registry.retention_text(code)
        return self.retention[code]

    def category_group(self, category, code, sections) -> CategoryGroup:
        texts = []
        for retention in dict.fromkeys(s.source.retention for s in sections):
            text = self.retention_text(retention)
            if text is None:
                texts = None
                break
            texts.append(text)
        if (category, code) not in self.purposes:
            self.purposes[category, code] = self.registry.category_purposes(category, code)
        return CategoryGroup(category, sections, self.purposes[category, code], texts)


@dataclass(frozen=True)
class PageInfo:
    number: int
    num_pages: int
    count: int
    per_page: int
    param: str

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.count else 0

    @property
    def end_index(self) -> int:
        return min(self.number * self.per_page, self.count)


@dataclass(frozen=True)
class Row:
    record: Record
    cells: list[Any]


@dataclass(frozen=True)
class Section:
    """One source's records under one service and category."""

    anchor: str
    source: Source
    category: Category
    fields: tuple[PersonalField, ...]
    rows: list[Row]
    page: PageInfo | None

    @property
    def single(self) -> bool:
        return self.source.single

    @property
    def items(self) -> list[tuple[PersonalField, Any]]:
        """(field, display value) pairs of a single-record section."""
        return list(zip(self.fields, self.rows[0].cells, strict=True)) if self.rows else []


@dataclass(frozen=True)
class CategoryGroup:
    category: Category
    sections: list[Section]
    #: Purposes of use; None while no provider is set (shown as "to be defined").
    purposes: list[str] | None
    #: How long it is kept; None while no provider is set.
    retention: list[str] | None


@dataclass(frozen=True)
class ServiceGroup:
    code: str | None
    service: Any  # a portal.Service, or None for data about the customer as a whole
    categories: list[CategoryGroup]

    @property
    def anchor(self) -> str:
        return f"service-{self.code}" if self.code else "account"

    @property
    def title(self) -> str:
        if self.service is not None:
            return self.service.display_name
        return self.code or ""


@dataclass(frozen=True)
class SubjectView:
    subject: Any
    groups: list[ServiceGroup]
    per_page: int

    @property
    def is_empty(self) -> bool:
        return not self.groups


def _page_number(raw, num_pages: int) -> int:
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), num_pages)


# ---------------------------------------------------------------------------
# The registry.
# ---------------------------------------------------------------------------


PurposesProvider = Callable[[Category, "str | None"], "list[str] | None"]
RetentionProvider = Callable[[str], "str | None"]


@dataclass
class Registry:
    """All sources of personal data, and the operations over all of them."""

    _sources: dict[str, Source] = field(default_factory=dict)
    _exempt: dict[str, str] = field(default_factory=dict)
    _purposes_provider: PurposesProvider | None = None
    _retention_provider: RetentionProvider | None = None

    # -- declaring --------------------------------------------------------

    def register(self, source: Source) -> Source:
        if not isinstance(source, Source):
            raise ImproperlyConfigured(f"{source!r} is not a portal.kernel.registry.Source.")
        if source.key in self._sources and self._sources[source.key] is not source:
            raise ImproperlyConfigured(f"A personal-data source {source.key!r} already exists.")
        self._sources[source.key] = source
        return source

    def unregister(self, key: str) -> None:
        self._sources.pop(key, None)

    def exempt(self, model: type[models.Model] | str, *, reason: str) -> None:
        """Declare that a model pointing at users holds no customer data to manage."""
        if not str(reason).strip():
            raise ImproperlyConfigured("An exemption needs a reason.")
        label = model if isinstance(model, str) else model._meta.label
        self._exempt[label.lower()] = str(reason)

    def autodiscover(self) -> None:
        """Import every installed app's ``personal_data`` module."""
        autodiscover_modules("personal_data")

    def sources(self) -> list[Source]:
        return list(self._sources.values())

    def source(self, key: str) -> Source:
        try:
            return self._sources[key]
        except KeyError:
            raise RecordNotFound(key) from None

    def exemptions(self) -> dict[str, str]:
        return dict(self._exempt)

    def is_declared(self, model: type[models.Model]) -> bool:
        concrete = model._meta.concrete_model
        return any(
            isinstance(s, ModelSource) and s.model._meta.concrete_model is concrete
            for s in self._sources.values()
        )

    def is_exempt(self, model: type[models.Model]) -> bool:
        return model._meta.concrete_model._meta.label_lower in self._exempt

    # -- hooks the consent and retention features fill in -----------------

    def set_purposes_provider(self, provider: PurposesProvider | None) -> None:
        """``provider(category, service_code)`` returns the purposes of use
        (translated texts) or None. Called once per category shown, so it must
        not query per record."""
        self._purposes_provider = provider

    def set_retention_provider(self, provider: RetentionProvider | None) -> None:
        """``provider(retention_code)`` returns how long the data is kept, as a
        sentence for the customer, or None while the rule is not defined."""
        self._retention_provider = provider

    def category_purposes(self, category: Category, service: str | None = None):
        """The purposes of use of a category; None until the consent feature says."""
        if self._purposes_provider is None:
            return None
        return self._purposes_provider(category, service)

    @contextlib.contextmanager
    def restricted(self, conditions: Mapping[str, Q]):
        """Inside the block, model sources see only rows meeting their condition.

        ``conditions`` maps source keys to a ``Q`` on the source's model. Every
        read and write of those sources obeys it, including a source's own
        ``erase`` override, so callers that decide per record (the deletion
        workflow under legal holds, the retention sweep) erase exactly the
        rows they chose through the ordinary ``erase``.
        """
        current = dict(_restrictions.get() or {})
        for key, condition in conditions.items():
            # A nested block narrows further; it never widens what an outer one allows.
            current[key] = current[key] & condition if key in current else condition
        token = _restrictions.set(current)
        try:
            yield
        finally:
            _restrictions.reset(token)

    def retention_text(self, code: str) -> str | None:
        """How long data under a retention code is kept; None until defined."""
        if self._retention_provider is None:
            return None
        return self._retention_provider(code)

    # -- reading ----------------------------------------------------------

    def subject_view(
        self,
        subject,
        *,
        pages: Mapping[str, Any] | None = None,
        per_page: int = 20,
        services: Collection[str] | None = None,
    ) -> SubjectView:
        """Everything about a subject, grouped by service, then category.

        ``pages`` maps each section's page parameter to a page number (the
        request's GET); ``services`` limits the view to those service codes
        (and then leaves out data tied to no service).

        Queries: per source one count grouped by service (none for
        single-record sources), then one page query per service that has
        records, plus one for the services' names. The number depends on the
        sources and services, never on how many records there are.
        """
        from portal.kernel.models import Service

        pages = pages or {}
        fetched: dict[tuple[str | None, str], tuple[list[Record], PageInfo | None]] = {}
        for source in self._sources.values():
            if source.single:
                if services is not None:
                    continue
                records = source.records(subject, limit=1)
                for record in records:
                    fetched[(record.service, source.key)] = ([record], None)
                continue
            for code, count in source.service_counts(subject, services=services).items():
                if not count:
                    continue
                param = f"p.{source.key}.{code or '-'}"
                num_pages = -(-count // per_page)
                number = _page_number(pages.get(param), num_pages)
                records = source.records(
                    subject, service=code, offset=(number - 1) * per_page, limit=per_page
                )
                page = PageInfo(number, num_pages, count, per_page, param)
                fetched[(code, source.key)] = (records, page)

        codes = {code for code, _key in fetched if code is not None}
        known = {s.code: s for s in Service.objects.filter(code__in=codes)} if codes else {}

        groups = []
        texts = _Texts(self)
        ordered_codes = sorted(codes, key=lambda c: (known[c].display_name if c in known else c, c))
        for code in [None, *ordered_codes]:
            categories = []
            for category in Category:
                sections = []
                for source in self._sources.values():
                    if (code, source.key) not in fetched or not source.fields_in(category):
                        continue
                    records, page = fetched[(code, source.key)]
                    chosen = source.fields_in(category)
                    rows = [
                        Row(r, [source.display(f, r.values.get(f.name)) for f in chosen])
                        for r in records
                    ]
                    anchor = f"{source.key}-{code or 'account'}-{category.value}".replace(".", "-")
                    sections.append(Section(anchor, source, category, chosen, rows, page))
                if sections:
                    categories.append(texts.category_group(category, code, sections))
            if categories:
                groups.append(ServiceGroup(code, known.get(code), categories))
        return SubjectView(subject, groups, per_page)

    def stream(self, subject) -> Iterator[Record]:
        """Every record of the subject from every source, one at a time."""
        for source in self._sources.values():
            yield from source.stream(subject)

    def find_subjects(self, query: str) -> list[Any]:
        """Primary keys of subjects matching an e-mail address, a phone number or a name."""
        if not (query or "").strip():
            return []
        found: set[Any] = set()
        for source in self._sources.values():
            found |= source.find_subjects(query)
        return sorted(found)

    # -- writing ----------------------------------------------------------

    def correct(
        self,
        subject,
        *,
        source: str,
        record_id: Any,
        field: str,
        value: Any,
        actor,
        request=None,
    ) -> Record:
        """Correct one declared field of one of the subject's records.

        ValidationError (with a message per field) when the value is refused;
        nothing is written then. The audit event names the source and field,
        never the old or new value.
        """
        from portal.kernel.audit import audit_log

        the_source = self.source(source)
        with transaction.atomic():
            record = the_source.correct(subject, record_id, field, value, actor=actor)
            audit_log(
                action="data.corrected",
                actor=actor,
                target=f"{source}:{record_id}",
                subject=subject,
                request=request,
                details={"source": source, "field": field},
            )
        return record

    def erase(self, subject, category: Category | str, *, actor, request=None) -> dict[str, int]:
        """Erase one category of the subject's data from every source.

        Returns the records changed per source key. Each source works in
        short batches; the audit event (counts only) is written also when a
        source fails half-way, marked incomplete, and the error propagates.
        """
        from portal.kernel.audit import audit_log

        category = Category(category)
        counts: dict[str, int] = {}
        complete = False
        try:
            for source in self._sources.values():
                if source.fields_in(category):
                    counts[source.key] = source.erase(subject, category, actor=actor)
            complete = True
        finally:
            audit_log(
                action="data.erased",
                actor=actor,
                subject=subject,
                request=request,
                details={"category": category.value, "counts": counts, "complete": complete},
            )
        return counts


registry = Registry()


def check_personal_data(app_configs=None, *, models_to_check=None, **kwargs):
    """rights.E001: every model pointing at the user model is declared or exempt.

    rights.E002: every declaration matches its model.
    """
    user_label = settings.AUTH_USER_MODEL.lower()
    if models_to_check is None:
        if app_configs is None:
            models_to_check = apps.get_models()
        else:
            models_to_check = [m for config in app_configs for m in config.get_models()]
    errors = []
    for model in models_to_check:
        points_at_user = any(
            f.is_relation
            # A label while unresolved (e.g. in an isolated app registry).
            and _label(f.related_model) == user_label
            and (f.concrete or f.many_to_many)
            for f in model._meta.get_fields(include_parents=True, include_hidden=False)
            if not f.auto_created
        )
        if not points_at_user or registry.is_declared(model) or registry.is_exempt(model):
            continue
        errors.append(
            checks.Error(
                f"{model._meta.label} points at {settings.AUTH_USER_MODEL} but its personal "
                "data is not declared.",
                hint=(
                    f"Declare it in {model._meta.app_label}/personal_data.py with "
                    "registry.register(ModelSource(...)), or, if it holds no customer data, "
                    f'registry.exempt("{model._meta.label}", reason="...").'
                ),
                obj=model,
                id="rights.E001",
            )
        )
    for source in registry.sources():
        model = getattr(source, "model", None)
        if app_configs is None or model is None or model._meta.app_config in app_configs:
            errors.extend(source.check())
    return errors
