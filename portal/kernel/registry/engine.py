"""The registry itself: the declared sources and exemptions, and the operations
over all of them (stream, find, correct, erase, restricted blocks, the
purposes and retention texts the consent and retention features provide).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Q
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import get_language
from psycopg.sql import Literal

from portal.kernel.audit import audit_log

from .. import generations
from .fields import Category, Record, RecordNotFound, _restrictions
from .model_source import ModelSource
from .sources import Source
from .versions import digest, versions_supported, view_cache_key

PurposesProvider = Callable[[Category, "str | None"], "list[str] | None"]
RetentionProvider = Callable[..., "str | None"]


class _Placeholder:
    """A subject whose id no real subject has, to compile a query for any subject
    (negative, and within a 32-bit integer column's range)."""

    pk = -2_061_584_302


class _PreparedCursor(psycopg.Cursor):
    """A psycopg cursor that runs every statement as a prepared statement, kept on
    its connection: planned on the first run, not again (Django's own cursors
    bind parameters into the text, and leave preparing off)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


class _PreparedDebugCursor(CursorDebugWrapper):
    """Logs the statement with its parameter written in, as Django's own cursors
    do (the query log of DEBUG and of the query-count tests)."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


@dataclass(frozen=True)
class _CountsStatement:
    """The counts query of every model source, compiled once, for any subject.

    On PostgreSQL its constants are written into the statement and the
    subject's id is its one parameter, sent apart from it, as a prepared
    statement where the connection allows them (``prepare_threshold``, set by
    ``DATABASE_PREPARED_STATEMENTS``): PostgreSQL plans the 18 parts once per
    connection instead of on every page, which took more than half its time.
    """

    sql: str
    params: tuple
    positions: tuple[int, ...]
    prepared: str | None = None

    @classmethod
    def of(cls, sql: str, params, positions) -> _CountsStatement:
        prepared = None
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            parts = sql.split("%s")
            text = [parts[0]]
            for index, value in enumerate(params):
                if index in positions:
                    text.append("%(subject)s")
                else:
                    literal = Literal(value).as_string(connection.connection)
                    text.append(literal.replace("%", "%%"))
                text.append(parts[index + 1])
            prepared = "".join(text)
        return cls(sql, tuple(params), tuple(positions), prepared)

    def rows(self, subject) -> list[tuple]:
        if self.prepared is not None:
            connection.ensure_connection()
            wrapper = _PreparedDebugCursor if connection.queries_logged else CursorWrapper
            with wrapper(_PreparedCursor(connection.connection), connection) as cursor:
                cursor.execute(self.prepared, {"subject": subject.pk})
                return cursor.fetchall()
        bound = list(self.params)
        for position in self.positions:
            bound[position] = subject.pk
        with connection.cursor() as cursor:
            cursor.execute(self.sql, bound)
            return cursor.fetchall()


@dataclass(frozen=True)
class Census:
    """A subject's record counts per source and service, and the version of their data."""

    counts: dict[str, dict[str | None, int]]
    #: Changes whenever any row of the subject's changes; None where unknown.
    version: str | None

    def services(self, source_key: str) -> set[str]:
        """The codes of the services the subject has records of in one source."""
        return {code for code, count in self.counts.get(source_key, {}).items() if code and count}


@dataclass
class Registry:
    """All sources of personal data, and the operations over all of them."""

    _sources: dict[str, Source] = field(default_factory=dict)
    _exempt: dict[str, str] = field(default_factory=dict)
    _purposes_provider: PurposesProvider | None = None
    _retention_provider: RetentionProvider | None = None
    _texts_versions: list[Callable[[], Any]] = field(default_factory=list)
    #: The counts query's SQL per set of sources (see :meth:`_model_counts`).
    _compiled: dict[tuple, Any] = field(default_factory=dict, repr=False)

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
        """``provider(retention_code, regime=None)`` returns how long the data is kept,
        as a sentence for the customer under ``regime`` (a request's privacy law; None:
        the portal's default), or None while the rule is not defined."""
        self._retention_provider = provider

    def add_texts_version(self, version: Callable[[], Any]) -> None:
        """``version()`` returns a value (a string or a tuple of them) that changes
        whenever the texts a provider returns may change, without querying the
        database on every call (see :mod:`portal.kernel.generations`). The
        purposes and retention texts are cached under all the versions together."""
        if version not in self._texts_versions:
            self._texts_versions.append(version)

    def texts_key(self) -> str:
        """The cache key of the purposes and retention texts: the providers, the
        language and every texts version."""
        parts = [
            *(
                f"{getattr(p, '__module__', '')}.{getattr(p, '__qualname__', p)}"
                for p in (self._purposes_provider, self._retention_provider)
            ),
            get_language() or "",
            *(repr(version()) for version in self._texts_versions),
        ]
        return "registry-texts:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

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

    def retention_text(self, code: str, *, regime: str | None = None) -> str | None:
        """How long data under a retention code is kept, told to a person whose request is
        under ``regime`` (None: the portal's default); None until defined."""
        if self._retention_provider is None:
            return None
        return self._retention_provider(code, regime=regime)

    # -- reading ----------------------------------------------------------

    def service_counts(self, subject, *, services=None) -> dict[str, dict[str | None, int]]:
        """Per source key, how many records the subject has per service code.

        Sources with at most one record (``single``) are left out. The model
        sources are counted by one query, a ``UNION ALL`` of each one's
        grouped count; any other source counts on its own side. Sources and
        services without records are left out.
        """
        return self._count(subject, services=services, versioned=False).counts

    def census(self, subject, *, services=None) -> Census:
        """:meth:`service_counts` and, where the database can tell, the version of
        every row of the subject's in every source, from the same one query.

        The version (``registry.versions``) is None on a database without row
        versions, or when a source is not a model (another system's data).
        """
        versioned = versions_supported() and all(
            isinstance(s, ModelSource) for s in self._sources.values()
        )
        return self._count(subject, services=services, versioned=versioned)

    def _count(self, subject, *, services, versioned: bool) -> Census:
        counts: dict[str, dict[str | None, int]] = {}
        models_counted = []
        for source in self._sources.values():
            if source.single and not versioned:
                continue
            if isinstance(source, ModelSource):
                models_counted.append(source)
                continue
            own = source.service_counts(subject, services=services)
            found = {code: n for code, n in own.items() if n}
            if found:
                counts[source.key] = found
        rows = self._model_counts(models_counted, subject, services, versioned)
        for key, code, count, *_version in rows:
            if count and not self._sources[key].single:
                counts.setdefault(key, {})[code] = count
        return Census(counts, digest(rows) if versioned else None)

    def _model_counts(self, sources, subject, services, versioned: bool) -> list[tuple]:
        """The rows of the ``UNION ALL`` of the sources' grouped counts.

        Building that query through the ORM costs more than running it (18
        querysets compiled into one statement, about 20 ms), and every page
        of "my data" runs it: its SQL is compiled once per process for the
        usual case (all services, no restriction) and the subject's id bound.
        """
        if not sources:
            return []
        if services is None and not _restrictions.get():
            compiled = self._compiled_counts(tuple(sources), versioned)
            if compiled is not None:
                return compiled.rows(subject)
        query = self._counts_query(sources, subject, services, versioned)
        return [] if query is None else list(query)

    @staticmethod
    def _counts_query(sources, subject, services, versioned: bool):
        queries = [
            source.service_count_query(subject, services=services, versioned=versioned)
            for source in sources
        ]
        queries = [query for query in queries if query is not None]
        if not queries:
            return None
        first, *rest = queries
        return first.union(*rest, all=True) if rest else first

    def _compiled_counts(self, sources: tuple, versioned: bool) -> _CountsStatement | None:
        """The counts query compiled for any subject, or None when the subject's id
        cannot be told apart from the other parameters."""
        key = (sources, versioned, connection.vendor)
        if key not in self._compiled:
            query = self._counts_query(sources, _Placeholder(), None, versioned)
            sql, params = query.query.sql_with_params()
            positions = [i for i, value in enumerate(params) if value == _Placeholder.pk]
            found = len(positions) == len(sources)
            self._compiled[key] = _CountsStatement.of(sql, params, positions) if found else None
        return self._compiled[key]

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
        together: dict[str, Any] | None = None,
    ) -> Record:
        """Correct one declared field of one of the subject's records, and with it
        ``together``, other fields of the same record (checked and written at once).

        ValidationError (with a message per field) when a value is refused;
        nothing is written then. The audit event names the source and fields,
        never the old or new values.
        """
        the_source = self.source(source)
        extra = {"together": together} if together else {}
        with transaction.atomic():
            record = the_source.correct(subject, record_id, field, value, actor=actor, **extra)
            for name in [field, *(together or {})]:
                audit_log(
                    action="data.corrected",
                    actor=actor,
                    target=f"{source}:{record_id}",
                    subject=subject,
                    request=request,
                    details={"source": source, "field": name},
                )
        return record

    def erase(self, subject, category: Category | str, *, actor, request=None) -> dict[str, int]:
        """Erase one category of the subject's data from every source.

        Returns the records changed per source key. Each source works in
        short batches; the audit event (counts only) is written also when a
        source fails half-way, marked incomplete, and the error propagates.
        """
        category = Category(category)
        counts: dict[str, int] = {}
        complete = False
        try:
            for source in self._sources.values():
                if source.fields_in(category):
                    counts[source.key] = source.erase(subject, category, actor=actor)
            complete = True
        finally:
            forget_cached_view(subject)
            audit_log(
                action="data.erased",
                actor=actor,
                subject=subject,
                request=request,
                details={"category": category.value, "counts": counts, "complete": complete},
            )
        return counts


def forget_cached_view(subject) -> None:
    """Drop the subject's cached view now and when the transaction commits.

    Its version no longer matches once the rows change, so it would not be
    shown again anyway; erased data should not wait in the cache until it expires.
    """
    key = view_cache_key(subject.pk)
    generations.quiet_delete(key)
    transaction.on_commit(lambda: generations.quiet_delete(key))


registry = Registry()
