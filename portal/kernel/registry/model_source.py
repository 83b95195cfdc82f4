"""A source backed by a Django model (:class:`ModelSource`).

Counting, paging, streaming, finding subjects by e-mail, phone, date or name,
correcting and erasing, all in a fixed number of queries per call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import models, transaction
from django.db.models import Count, F, Q, Subquery, Sum, Value
from django.utils.functional import Promise

from portal.kernel.db import native_timestamps

from .fields import (
    ANY,
    DELETE,
    ERASE_BATCH_SIZE,
    EVERY_SUBJECT,
    FIND_LIMIT,
    ROWS_CHUNK_SIZE,
    STREAM_CHUNK_SIZE,
    Category,
    PersonalField,
    Record,
    RecordNotFound,
    _restrictions,
)
from .lookups import HASHED_LOOKUPS, hash_column, lookup_condition
from .sources import Source, _only_category
from .typed import typed_value
from .versions import RowVersion


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
    also_retained_under: tuple[str, ...] = ()
    named_by: str = ""

    def __post_init__(self):
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "order_by", tuple(self.order_by))
        object.__setattr__(self, "also_retained_under", tuple(self.also_retained_under))
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

    def displayer(self, personal_field: PersonalField) -> Callable[[Any], Any] | None:
        choices = self._choices.get(personal_field.name)
        shown = super().displayer(personal_field)
        if choices is None:
            return shown

        def with_choices(value):
            try:
                if value in choices:
                    return choices[value]
            except TypeError:  # a list or dict: not a choice
                pass
            return value if shown is None else shown(value)

        return with_choices

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
            if personal_field.lookup in HASHED_LOOKUPS and not hash_column(
                self.model, personal_field
            ):
                error(
                    f"field {personal_field.name!r} is looked up by {personal_field.lookup.value} "
                    "but has no hash column.",
                    hint="Add a DerivedCharField with source=<field> and compute="
                    f"portal.kernel.encryption.{HASHED_LOOKUPS[personal_field.lookup].__name__}.",
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
        return errors + super().check()

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

    def service_count_query(
        self, subject, *, services=None, versioned=False
    ) -> models.QuerySet | None:
        """:meth:`service_counts` as a query of (source key, service code, count) rows,
        for :meth:`Registry.service_counts` to join with the other sources' in one
        ``UNION ALL``; None when ``services`` leaves nothing to count. ``versioned``
        adds a fourth column, the sum of the rows' versions (``registry.versions``)."""
        if services is not None and not self.service_path and self.service_code not in services:
            return None
        qs = self._in_services(self.queryset(subject), services).order_by()
        service = (
            F(f"{self.service_path}__code")
            if self.service_path
            else Value(self.service_code, output_field=models.CharField())
        )
        key = Value(self.key, output_field=models.CharField())
        grouped = qs.values(rp_source=key, rp_service=service).annotate(rp_count=Count("pk"))
        if versioned:
            grouped = grouped.annotate(rp_version=Sum(RowVersion()))
            return grouped.values_list("rp_source", "rp_service", "rp_count", "rp_version")
        return grouped.values_list("rp_source", "rp_service", "rp_count")

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

    @property
    def _row_ordering(self) -> tuple[str, ...]:
        """The order in which a customer's rows are read whole (stream, exports).

        Rows are grouped by service, by the service's key rather than its
        ordering (its code): the order of the composite (user, service, time)
        indexes, so the database reads a million rows in order from the index
        instead of joining the services and sorting them all (on disk once
        they pass ``work_mem``).
        """
        if self.service_path:
            return (f"{self.service_path}_id", *self.order_by)
        return self.order_by

    def stream(self, subject, *, chunk_size: int = STREAM_CHUNK_SIZE) -> Iterator[Record]:
        qs = self._values(self.queryset(subject).order_by(*self._row_ordering))
        for row in qs.iterator(chunk_size=chunk_size):
            yield self._record(row)

    def choices(self, personal_field: PersonalField) -> dict[Any, Any] | None:
        """The labels of a field's stored codes (its model field's choices), or None."""
        return self._choices.get(personal_field.name)

    def model_field(self, personal_field: PersonalField) -> models.Field:
        """The model field that stores ``personal_field``."""
        return self.model._meta.get_field(personal_field.name)

    def rows_query(self, subject, names: Sequence[str]) -> models.QuerySet:
        """The query :meth:`rows` reads: ``(pk, service code, *names)`` in its order.

        For exports that have the database turn the values into text (the
        disclosure package on PostgreSQL) and must read the same rows.
        """
        qs = self.queryset(subject)
        if self.service_path:
            service = F(f"{self.service_path}__code")
        else:
            service = Value(self.service_code, output_field=models.CharField())
        return qs.order_by(*self._row_ordering).values_list("pk", service, *names)

    def rows(self, subject, names: Sequence[str], *, chunk_size: int = ROWS_CHUNK_SIZE):
        qs = self.queryset(subject).order_by(*self._row_ordering)
        # Millions of rows may pass here (a disclosure package): timestamps are
        # read by the standard library's ISO parser (native_timestamps).
        with native_timestamps():
            if self.service_path:
                qs = qs.values_list("pk", F(f"{self.service_path}__code"), *names)
                yield from qs.iterator(chunk_size=chunk_size)
                return
            code = self.service_code
            rows = qs.values_list("pk", *names)
            for row in rows.iterator(chunk_size=chunk_size):
                yield (row[0], code, *row[1:])

    def find_subjects(self, query: str) -> set[Any]:
        condition = Q()
        aliases = {}
        for personal_field in self.fields:
            match = lookup_condition(self.model, personal_field, query)
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

    def correct(self, subject, record_id, field, value, *, actor, together=None) -> Record:
        with transaction.atomic():
            obj = self._get_for_update(subject, record_id)
            changed = self._corrected(obj, {field: value, **(together or {})})
            if changed:
                auto_now = [
                    f.name for f in self.model._meta.concrete_fields if getattr(f, "auto_now", 0)
                ]
                obj.save(update_fields=[*(f.name for f in changed), *auto_now])
            row = self._values(self.model._default_manager.filter(pk=obj.pk)).get()
        return self._record(row)

    def clean_correction(self, subject, record_id, field, value, *, together=None):
        try:
            obj = self.queryset(subject).get(pk=record_id)
        except (self.model.DoesNotExist, ValueError, TypeError, ValidationError):
            raise RecordNotFound(f"{self.key}:{record_id}") from None
        self._corrected(obj, {field: value, **(together or {})})
        return getattr(obj, self.model._meta.get_field(field).attname)

    def _corrected(self, obj, values: dict[str, Any]) -> list[models.Field]:
        """Set the fields of ``obj`` to ``values`` and validate the row as saving would.

        Fields of one record corrected together are checked together: a start and an
        end moved at once are compared with each other, not with the stored ones. A
        choice may be given by its label in any of the site's languages. Returns the
        model fields whose value changed.
        """
        changed = []
        for field, value in values.items():
            self.editable_field(field)
            model_field = self.model._meta.get_field(field)
            if value in ("", None) and model_field.null:
                new_value = None
            else:
                try:
                    new_value = model_field.to_python(typed_value(model_field, value))
                except ValidationError as exc:
                    raise ValidationError({field: exc.messages}, code="invalid") from None
            if getattr(obj, model_field.attname) != new_value:
                setattr(obj, model_field.attname, new_value)
                changed.append(model_field)
        if not changed:
            return changed
        others = [f.name for f in self.model._meta.concrete_fields if f not in changed]
        # Field validation covers only the corrected fields: an old problem
        # elsewhere in the row must not block the correction. The model's
        # clean(), unique and check constraints run in full.
        obj.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
        obj.validate_unique()
        obj.validate_constraints()
        return changed

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
