"""What one disclosure covers, and the values as the customer reads them.

Shared by the zip (JSON, CSV) and the readable report, so that every file of
a package holds exactly the same records.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from portal.kernel.registry import Category, PersonalField, Record, Source, registry


def customer_language(rights_request) -> str:
    """The language the customer reads: the subject's, else the requester's, else the default."""
    available = {code for code, _name in settings.LANGUAGES}
    for person in (rights_request.subject, rights_request.requester):
        language = getattr(person, "language", "") or ""
        if language in available:
            return language
    return settings.LANGUAGE_CODE


def customer_name(subject) -> str:
    """How a document addresses the customer: the name in the profile, else the address."""
    if subject is None:
        return ""
    profile = getattr(subject, "profile", None)  # None when there is no profile
    return getattr(profile, "full_name", "") or subject.email


@dataclass(frozen=True)
class PackageScope:
    """The records a disclosure covers.

    ``services`` (codes) limits the records tied to a service; records about
    the customer as a whole (account, profile, consents, requests) belong to
    no service, serve every service and are always included. ``categories``
    are the categories in scope, in page order (all when the request names
    none). A request without a matched customer (``subject`` None) covers
    nothing: the company holds no data about that person.
    """

    subject: Any
    language: str
    services: tuple[str, ...]
    categories: tuple[Category, ...]
    limited_categories: bool
    #: (source key, record id, service code) of the records staff withheld.
    withheld: frozenset[tuple[str, str, str | None]] = frozenset()

    @classmethod
    def of(cls, rights_request) -> PackageScope:
        named = [c for c in Category if c.value in (rights_request.categories or [])]
        services = ()
        withheld = frozenset()
        if rights_request.pk:
            services = tuple(sorted(rights_request.services.values_list("code", flat=True)))
            withheld = frozenset(
                (w.source_key, w.record_id, w.service or None)
                for w in rights_request.withheld_records.all()
            )
        return cls(
            subject=rights_request.subject,
            language=customer_language(rights_request),
            services=services,
            categories=tuple(named or Category),
            limited_categories=bool(named),
            withheld=withheld,
        )

    def withheld_ids(self, source_key: str) -> set[str]:
        """Ids of the records of ``source_key`` left out of this disclosure."""
        return {record_id for key, record_id, _service in self.withheld if key == source_key}

    def covers_service(self, code: str | None) -> bool:
        return not self.services or code is None or code in self.services

    def fields(self, source: Source, category: Category | None = None) -> tuple:
        wanted = self.categories if category is None else (category,)
        return tuple(f for f in source.fields if f.category in wanted)

    def fetched(self, source: Source, fields: Sequence[PersonalField]) -> tuple:
        """The fields to read for a file showing ``fields``: those, then any other
        field of the source, when telling whether one of them applies to a record
        takes the record's other values (``PersonalField.reads_other_fields``)."""
        if not any(f.reads_other_fields for f in fields):
            return tuple(fields)
        return (*fields, *(f for f in source.fields if f not in fields))

    def sources(self, category: Category | None = None) -> list[Source]:
        """Sources holding data of the categories in scope (or of one category)."""
        return [s for s in registry.sources() if self.fields(s, category)]

    def rows(self, source: Source, fields: Sequence[PersonalField]) -> Iterator[tuple]:
        """``(id, service, *values)`` of the subject's records of ``source`` within the
        services in scope, streamed in the order of :meth:`records`."""
        if self.subject is None:
            return
        rows = source.rows(self.subject, [f.name for f in fields])
        withheld = self.withheld_ids(source.key)
        if not self.services and not withheld:
            yield from rows
            return
        for row in rows:
            if self.covers_service(row[1]) and str(row[0]) not in withheld:
                yield row

    def records(self, source: Source) -> Iterator[Record]:
        """The subject's records of ``source`` within the services in scope, streamed."""
        if self.subject is None:
            return
        withheld = self.withheld_ids(source.key)
        for record in source.stream(self.subject):
            if self.covers_service(record.service) and str(record.id) not in withheld:
                yield record

    def tallies(self) -> dict[str, tuple[int, set[str]]]:
        """:meth:`tally` of every source in scope, the model sources by one query."""
        wanted = {s.key: s for s in self.sources()}
        if self.subject is None:
            return dict.fromkeys(wanted, (0, set()))
        counts = registry.service_counts(self.subject)
        result = {}
        for key, source in wanted.items():
            if source.single:
                result[key] = self.tally(source)
                continue
            mine = {c: n for c, n in counts.get(key, {}).items() if self.covers_service(c)}
            result[key] = (sum(mine.values()), {c for c in mine if c is not None})
        return result

    def tally(self, source: Source) -> tuple[int, set[str]]:
        """(records in scope, codes of their services): one grouped query for a model."""
        if self.subject is None:
            return 0, set()
        counts = {
            code: n
            for code, n in source.service_counts(self.subject).items()
            if self.covers_service(code)
        }
        for key, _record_id, service in self.withheld:
            if key == source.key and counts.get(service):
                counts[service] -= 1
        counts = {code: n for code, n in counts.items() if n}
        return sum(counts.values()), {code for code in counts if code is not None}


@contextlib.contextmanager
def snapshot(*, read_only: bool = False):
    """One consistent view of the database for the whole build.

    On PostgreSQL, outside a caller's transaction, the build reads in one
    REPEATABLE READ transaction: the JSON, the CSV files and the report hold
    the same records, and the counts match the rows, even while the customer
    keeps using the services. ``read_only`` makes the database refuse any
    write inside. Inside a caller's transaction (or on SQLite, which has one
    writer) it reads in that transaction.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    mode = " READ ONLY" if read_only else ""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ{mode}")
        yield


def in_language(language: str, chunks: Iterator[str], time_zone: str) -> Iterator[str]:
    """Each chunk produced with ``language`` and ``time_zone`` (the request's, in which
    the person reads every date, as in the e-mails) active, and only while it is produced.

    ``translation.override`` around a ``yield`` would leave the language
    active in the caller between chunks.
    """
    iterator = iter(chunks)
    while True:
        with translation.override(language), timezone.override(time_zone):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


class Presenter:
    """Turns stored values into what the customer reads, in the active language.

    Made once per file, with the customer's language active. The texts of
    codes and ids (choice labels, names of purposes and recipients) repeat on
    every row, so each is translated once and kept (up to ``CACHE_LIMIT`` per
    field): a row then costs no translation lookups.
    """

    CACHE_LIMIT = 1000

    def __init__(self):
        self.tz = timezone.get_current_timezone()
        self.yes, self.no = gettext("yes"), gettext("no")
        self._texts: dict[tuple[str, ...], dict[Any, Any]] = {}
        tz, yes, no = self.tz, self.yes, self.no

        def moment(value: dt.datetime) -> str:
            if value.tzinfo is not None:
                value = value.astimezone(tz)
            return value.isoformat(sep=" ", timespec="seconds")[:19]

        def as_json(value) -> str:
            return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)

        #: text() by the exact type of the value: one dict lookup per cell.
        self._by_type: dict[type, Callable[[Any], str]] = {
            str: str.__str__,
            type(None): lambda _value: "",
            bool: lambda value: yes if value else no,
            int: int.__repr__,
            float: float.__repr__,
            decimal.Decimal: decimal.Decimal.__str__,
            dt.datetime: moment,
            dt.date: dt.date.isoformat,
            list: as_json,
            dict: as_json,
        }

    def column(self, source: Source, personal_field: PersonalField) -> Callable[[Any], Any]:
        """:meth:`shown` of one column as one function, found once per file.

        A field shown as stored gets the identity; one with a display (a
        choice label, a name) keeps what it showed for each value.
        """
        display = source.displayer(personal_field)
        if display is None:
            return _same
        texts = self._texts.setdefault((source.key, personal_field.name), {})
        convert, limit = self._convert, self.CACHE_LIMIT

        def shown(value):
            try:
                return texts[value]
            except KeyError:
                result = display(value)
                result = value if result is value else convert(result)
                if len(texts) < limit:
                    texts[value] = result
                return result
            except TypeError:  # a list or dict: not a key, and rare
                return convert(display(value))

        return shown

    def row_column(
        self, source: Source, personal_field: PersonalField, names: Sequence[str]
    ) -> Callable[[Sequence[Any], Any], Any] | None:
        """:meth:`column` of a field shown with its row (``display_in_row``), as a
        function of the row's values (of ``names``, in order) and the value; None for
        any other field, whose column keeps :meth:`column`.

        What it showed is kept per value and values of the fields it reads (up to
        ``CACHE_LIMIT``): a consent record's action per action and purpose.
        """
        display = personal_field.row_display(names)
        if display is None:
            return None
        texts = self._texts.setdefault((source.key, personal_field.name, "row"), {})
        positions = [list(names).index(name) for name in personal_field.display_reads]
        convert, limit = self._convert, self.CACHE_LIMIT

        def shown(values, value):
            key = (value, *(values[at] for at in positions))
            try:
                return texts[key]
            except KeyError:
                result = display(values, value)
                result = value if result is value else convert(result)
                if len(texts) < limit:
                    texts[key] = result
                return result
            except TypeError:  # a list or dict: not a key, and rare
                return convert(display(values, value))

        return shown

    def row_text_column(
        self, source: Source, personal_field: PersonalField, names: Sequence[str]
    ) -> Callable[[Sequence[Any], Any], str] | None:
        """:meth:`row_column` then :meth:`text`, as one function; None as there."""
        shown = self.row_column(source, personal_field, names)
        if shown is None:
            return None
        by_type, fallback = self._by_type, self.text

        def shown_text(values, value):
            value = shown(values, value)
            convert = by_type.get(type(value))
            return convert(value) if convert is not None else fallback(value)

        return shown_text

    def text_column(self, source: Source, personal_field: PersonalField) -> Callable[[Any], str]:
        """:meth:`shown` then :meth:`text` of one column, as one function."""
        shown = self.column(source, personal_field)
        by_type, fallback = self._by_type, self.text
        if shown is _same:

            def text(value):
                convert = by_type.get(type(value))
                return convert(value) if convert is not None else fallback(value)

            return text

        def shown_text(value):
            value = shown(value)
            convert = by_type.get(type(value))
            return convert(value) if convert is not None else fallback(value)

        return shown_text

    def shown(
        self,
        source: Source,
        personal_field: PersonalField,
        value: Any,
        values: Mapping[str, Any] | None = None,
    ) -> Any:
        """The displayed value: a choice label, a name, an amount, or the value itself;
        with the record's stored ``values``, a field's ``display_in_row`` of it."""
        row_display = personal_field.display_in_row
        if values is not None and row_display is not None and value not in (None, ""):
            return self._convert(row_display(value, values))
        texts = self._texts.setdefault((source.key, personal_field.name), {})
        try:
            return texts[value]
        except KeyError:
            pass
        except TypeError:  # a list or dict: not a key, and rare
            return self._convert(source.display(personal_field, value))
        shown = source.display(personal_field, value)
        if shown is value:
            return value
        shown = self._convert(shown)
        if len(texts) < self.CACHE_LIMIT:
            texts[value] = shown
        return shown

    @staticmethod
    def _convert(shown: Any) -> Any:
        if isinstance(shown, Promise):
            return str(shown)
        if isinstance(shown, list | dict):
            return json.dumps(shown, ensure_ascii=False, cls=DjangoJSONEncoder)
        return shown

    def text(self, value: Any) -> str:
        """A displayed value as one line of text (dates in ISO order, local time)."""
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return self.yes if value else self.no
        if isinstance(value, dt.datetime):
            if timezone.is_aware(value):
                value = value.astimezone(self.tz)
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
        return str(value)


def _same(value):
    return value
