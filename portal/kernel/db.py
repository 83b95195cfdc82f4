"""Building blocks for the apps' models.

* :func:`customer_field` and :func:`staff_field`: the foreign keys to the
  customer a row is about and to the member of staff who acted;
* :class:`AppendOnlyModel`: rows that are evidence, written once, deleted only
  inside :func:`evidence_erasure` (records past their retention period), in
  the ORM and, with :func:`append_only_triggers` ``erasable=True`` in their
  ``Meta``, in PostgreSQL;
* :func:`append_only_triggers`: the PostgreSQL triggers that keep a table
  append-only whatever the client (django-pgtrigger, installed by migrations);
* :func:`localized`: the one reading of columns kept in both languages;
* :func:`native_timestamps`: timestamps read by the standard library's ISO
  parser, for a query that reads millions of them.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

import pgtrigger
from django.conf import settings
from django.db import connection as default_connection
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Set only inside evidence_erasure(): the one way append-only rows are deleted.
_erasure_allowed: ContextVar[bool] = ContextVar("evidence_erasure", default=False)
# The trigger refusing deletes of erasable append-only rows: stepped past only
# inside evidence_erasure().
ERASABLE_DELETE_TRIGGER = "evidence_no_delete"


def _erasable_delete_triggers() -> list[str]:
    return [
        f"{model._meta.label}:{trigger.name}"
        for model, trigger in pgtrigger.registered()
        if trigger.name == ERASABLE_DELETE_TRIGGER
    ]


@contextmanager
def evidence_erasure():
    """Allow deleting append-only rows inside this block, and nowhere else.

    Only for deletions the law requires: records past their retention period
    and erasure through the personal-data registry. Rows are never updated.
    """
    token = _erasure_allowed.set(True)
    uris = _erasable_delete_triggers()
    try:
        if uris:  # pgtrigger.ignore() without a name would step past every trigger
            with pgtrigger.ignore(*uris):
                yield
        else:
            yield
    finally:
        _erasure_allowed.reset(token)


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes: rows of these models are evidence."""

    def _refuse(self):
        raise PermissionError(f"{self.model._meta.verbose_name_plural} are append-only.")

    def update(self, **kwargs):
        self._refuse()

    def delete(self):
        if not _erasure_allowed.get():
            self._refuse()
        return super().delete()

    # Cascades and fast deletes go through _raw_delete; guard those as well.
    def _raw_delete(self, using):
        if not _erasure_allowed.get():
            self._refuse()
        return super()._raw_delete(using)


class AppendOnlyModel(models.Model):
    """A row is written once and never changed or deleted through the ORM."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError(f"{self._meta.verbose_name_plural} are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{self._meta.verbose_name_plural} are append-only.")


def append_only_triggers(prefix: str, *, erasable: bool = False) -> list[pgtrigger.Trigger]:
    """Triggers refusing UPDATE, DELETE and TRUNCATE of a model's table, for ``Meta.triggers``.

    ``erasable``: for an :class:`AppendOnlyModel` whose rows the law has deleted
    once their retention ends; their DELETE is allowed inside
    :func:`evidence_erasure` alone (the prefix is then always "evidence").

    The ORM guards stop the application's own code; these stop every client of
    the database, raw SQL included. On other databases than PostgreSQL they are
    not installed and the ORM guards alone remain. Deliberate exceptions (the
    tests' clean-up) run inside ``pgtrigger.ignore("app.Model:<prefix>_...")``.
    Whoever owns the table or is a superuser can still drop or disable them: a
    trigger stops mistakes and the application's account, not the database's
    administrator (the audit trail's keyed chain and checkpoints are for that).
    """
    if erasable:
        protect = [
            pgtrigger.Protect(name="evidence_no_update", operation=pgtrigger.Update),
            pgtrigger.Protect(name=ERASABLE_DELETE_TRIGGER, operation=pgtrigger.Delete),
        ]
        prefix = "evidence"
    else:
        protect = [
            pgtrigger.Protect(
                name=f"{prefix}_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]
    return [
        *protect,
        pgtrigger.Trigger(
            name=f"{prefix}_no_truncate",
            operation=pgtrigger.Truncate,
            level=pgtrigger.Statement,
            when=pgtrigger.Before,
            func="RAISE EXCEPTION 'pgtrigger: Cannot truncate % table', TG_TABLE_NAME;",
        ),
    ]


def localized(obj, field: str) -> str:
    """``field`` in the active language, for models that keep both languages.

    English pages show ``<field>_en`` when it is filled; otherwise the Japanese
    text, held in ``<field>_ja`` or, on models written Japanese-first, ``<field>``.
    """
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    english = getattr(obj, f"{field}_en", "")
    if language == "en" and english:
        return english
    if hasattr(obj, f"{field}_ja"):
        return getattr(obj, f"{field}_ja")
    return getattr(obj, field)


def customer_field(*, related_name: str, help_text, on_delete=models.PROTECT):
    """The customer a row is about.

    PROTECT by default: deleting an account never takes evidence along with it
    silently; such rows are erased through the personal-data registry.
    """
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=on_delete,
        related_name=related_name,
        verbose_name=_("customer"),
        help_text=help_text,
    )


def staff_field(verbose_name, *, help_text, required: bool = False):
    """The member of staff who entered or approved a row."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=not required,
        blank=not required,
        related_name="+",
        verbose_name=verbose_name,
        help_text=help_text,
    )


@contextmanager
def native_timestamps(connection=None):
    """Read ``timestamptz`` values with the standard library's ISO parser while inside.

    Django's own loader on PostgreSQL connections goes through psycopg's
    Python parsing (a regular expression, then a ``replace`` of the time
    zone): a few microseconds a value, a third of streaming a table of
    timestamps. ``datetime.fromisoformat`` reads PostgreSQL's ISO output
    in a tenth of a microsecond and gives the same moments in Django's time
    zone; what it cannot read (``infinity``, BC dates) goes to Django's
    loader, which answers as before. Queries made inside, on the same
    connection, read through it; the connection's own loader is back after.
    Does nothing on other databases.
    """
    connection = connection or default_connection
    if connection.vendor != "postgresql" or not settings.USE_TZ:
        yield
        return
    from psycopg.pq import Format

    connection.ensure_connection()
    adapters = connection.connection.adapters
    previous = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    adapters.register_loader(TIMESTAMPTZ_OID, _iso_loader(previous, connection.timezone))
    try:
        yield
    finally:
        adapters.register_loader(TIMESTAMPTZ_OID, previous)


#: The type ``timestamptz`` in PostgreSQL's catalogue (built in: the same on every server).
TIMESTAMPTZ_OID = 1184


@cache
def _iso_loader(fallback, timezone):
    from psycopg.adapt import Loader

    parse = dt.datetime.fromisoformat

    class IsoTimestamptzLoader(Loader):
        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self._fallback = fallback(oid, context)

        def load(self, data):
            try:
                value = parse(bytes(data).decode("ascii"))
            except ValueError:
                return self._fallback.load(data)
            return value if value.tzinfo is timezone else value.astimezone(timezone)

    # What Django's cursors compare with their time zone (create_cursor).
    IsoTimestamptzLoader.timezone = timezone
    return IsoTimestamptzLoader
