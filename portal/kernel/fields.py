"""Model fields encrypted at rest, and columns derived from them for searching.

``EmailAddressField`` is an EmailField whose forms (the admin's too) read an address
as people type it and refuse a wrong one in the site's spelling, "e-mail".

``EncryptedCharField``, ``EncryptedTextField``, ``EncryptedEmailField``,
``EncryptedDateField`` and ``EncryptedJSONField`` behave like CharField,
TextField, EmailField, DateField and JSONField in Python, forms and admin,
while the column holds a token (see portal.kernel.encryption). The database cannot
compare tokens, so a filter on such a field is refused with a FieldError
unless it asks whether the value is empty (``phone=""``,
``date_of_birth__isnull=True``, ``scope={}``); search through the field's
derived hash column instead.

A ``Derived*Field`` is computed from an encrypted field of the same model
whenever the row is written: by ``save()`` (also with ``update_fields``),
``bulk_create``, and by ``update()``/``bulk_update()`` of a
``DerivedColumnsQuerySet``. Such a field is never edited directly.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from django.core.exceptions import FieldError
from django.core.validators import EmailValidator
from django.db import models
from django.db.models.expressions import Combinable
from django.db.models.lookups import Exact, IsNull

from . import encryption
from .typed_email import INVALID_EMAIL, TypedEmailField


class _EncryptedFieldMixin:
    """The storage side of an encrypted field; subclasses convert text ↔ value."""

    kind = "text"

    def get_internal_type(self):
        return "TextField"

    def db_type(self, connection):
        return connection.data_types["TextField"]

    def to_text(self, value) -> str:
        return str(value)

    def from_text(self, text: str):
        return text

    #: The value stored as "" rather than as a token, so that it can be asked for.
    empty_value = ""

    def is_empty(self, value) -> bool:
        return value == self.empty_value

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if value is None:
            return None
        if self.is_empty(value):
            return ""
        return encryption.encrypt(self.to_text(value))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        if value == "":
            return self.empty_value
        return self.from_text(encryption.decrypt(value))

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return EncryptedExact
        if lookup_name == "isnull":
            return IsNull
        raise FieldError(
            f"{self.model.__name__}.{self.name} is encrypted: the database can only tell "
            f"whether it is empty, not filter it with '{lookup_name}'. Search its hash "
            "column (see portal.kernel.fields) or filter in Python."
        )

    def get_transform(self, lookup_name):
        raise FieldError(
            f"{self.model.__name__}.{self.name} is encrypted: '{lookup_name}' cannot be "
            "computed in the database."
        )


class EncryptedExact(Exact):
    """``field=""`` (or None, or ``{}`` for JSON) only: tokens of equal values differ."""

    def get_prep_lookup(self):
        if self.rhs is not None and not self.lhs.output_field.is_empty(self.rhs):
            field = self.lhs.output_field
            raise FieldError(
                f"{field.name} is encrypted: it can only be compared with its empty value "
                f"({field.empty_value!r}). Search its hash column instead."
            )
        return super().get_prep_lookup()


class EncryptedCharField(_EncryptedFieldMixin, models.CharField):
    """A CharField (max_length checks the plaintext) stored as a token."""


class EncryptedTextField(_EncryptedFieldMixin, models.TextField):
    """A TextField (free text: messages, reasons, inquiries) stored as a token."""


class EmailAddressField(models.EmailField):
    """An EmailField whose form field is :class:`TypedEmailField` and whose validator
    speaks the site's spelling: Django's says "Enter a valid email address." on every
    admin page built on the model."""

    default_validators = [EmailValidator(message=INVALID_EMAIL)]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": TypedEmailField, **kwargs})


class EncryptedEmailField(_EncryptedFieldMixin, EmailAddressField):
    """An EmailField (validated as an address in forms) stored as a token.

    Only for addresses nothing searches by: the database cannot find a row by
    one. The login address of an account stays a plain EmailField.
    """


class EncryptedDateField(_EncryptedFieldMixin, models.DateField):
    """A DateField stored as a token of its ISO date."""

    kind = "date"
    empty_value = None

    def to_text(self, value) -> str:
        return value.isoformat()

    def from_text(self, text: str):
        return dt.date.fromisoformat(text)


class EncryptedJSONField(_EncryptedFieldMixin, models.JSONField):
    """A JSONField whose whole document is stored as one token.

    For JSON that holds personal values but is only ever read whole (a
    request's scope, an event's before/after); the database cannot look
    inside it. The empty document ``{}`` is stored as "", so erasure (which
    writes ``{}``) can tell which rows are done.
    """

    kind = "json"

    @property
    def empty_value(self):
        return {}  # a new dict each time: callers may change what they read

    def to_text(self, value) -> str:
        return json.dumps(value, cls=self.encoder)

    def from_text(self, text: str):
        return json.loads(text, cls=self.decoder)

    def get_db_prep_value(self, value, connection, prepared=False):
        if isinstance(value, Combinable):
            raise FieldError(f"{self.name} is encrypted: store a value, not a database expression.")
        return super().get_db_prep_value(value, connection, prepared=True)


class _DerivedFieldMixin:
    """A column whose value is ``compute(<source field's value>)``.

    ``source`` and ``compute`` are left out of migrations: a historical model
    does not compute, so data migrations set these columns themselves (see
    portal.kernel.encryption.reencrypt_table).
    """

    def __init__(self, *args, source: str | None = None, compute: Callable | None = None, **kw):
        self.source = source
        self.compute = compute
        kw.setdefault("editable", False)
        super().__init__(*args, **kw)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        if self.compute is not None:
            value = self.compute(getattr(model_instance, self.source))
            setattr(model_instance, self.attname, value)
        return getattr(model_instance, self.attname)


class DerivedCharField(_DerivedFieldMixin, models.CharField):
    pass


class DerivedSmallIntegerField(_DerivedFieldMixin, models.PositiveSmallIntegerField):
    pass


def derived_fields(model) -> list[_DerivedFieldMixin]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, _DerivedFieldMixin) and f.compute is not None
    ]


def encrypted_fields(model) -> list[_EncryptedFieldMixin]:
    return [f for f in model._meta.concrete_fields if isinstance(f, _EncryptedFieldMixin)]


class DerivedColumnsQuerySet(models.QuerySet):
    """Keeps derived columns in step when ``update``/``bulk_update`` write their source."""

    def update(self, **kwargs):
        for derived in derived_fields(self.model):
            # bulk_update() passes both, as CASE expressions it computed itself.
            if derived.source in kwargs and derived.name not in kwargs:
                value = kwargs[derived.source]
                if isinstance(value, Combinable):
                    raise FieldError(
                        f"{derived.source} is encrypted and derives {derived.name}: "
                        "update it with a value, not a database expression."
                    )
                kwargs[derived.attname] = derived.compute(value)
        return super().update(**kwargs)

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None):
        fields = list(fields)
        for derived in derived_fields(self.model):
            if derived.source in fields and derived.name not in fields:
                fields.append(derived.name)
                for obj in objs:
                    setattr(obj, derived.attname, derived.compute(getattr(obj, derived.source)))
        return super().bulk_update(objs, fields, batch_size=batch_size)

    bulk_update.alters_data = True


class DerivedColumnsModel(models.Model):
    """``save(update_fields=[...])`` also writes the columns derived from those fields."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            names = set(update_fields)
            names |= {d.name for d in derived_fields(type(self)) if d.source in names}
            kwargs["update_fields"] = names
        super().save(*args, **kwargs)


def table_spec(model) -> encryption.TableSpec:
    """What reencrypt_table needs to bring a model's rows up to date."""
    return encryption.TableSpec(
        table=model._meta.db_table,
        pk=model._meta.pk.column,
        columns={f.column: f.kind for f in encrypted_fields(model)},
        derived=tuple(
            encryption.Derived(d.column, model._meta.get_field(d.source).column, d.compute)
            for d in derived_fields(model)
        ),
    )
