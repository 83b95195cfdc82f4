"""The records of a disclosure package: data.json's records and the CSV tables, in one pass.

Each source's rows are read once (``PackageScope.rows``: tuples from a
server-side cursor with large fetches) and written both as JSON lines into
the zip and as rows of the CSV table of each of its categories. The CSV
tables go to temporary files first (a zip is written one member at a time)
and are copied into the zip afterwards, so memory does not depend on the
number of records. Values are turned into text by one converter per column,
found once per file (``Presenter.column`` / ``Presenter.text_column``).

On PostgreSQL a source whose fields the database can write as the package
writes them is read through :mod:`~rights.disclosure.sqltext` instead: one
COPY hands over each record's JSON object and CSV rows as text, and Python
only opens the encrypted values and splices them in.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import decimal
import functools
import io
import itertools
import operator
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.text import capfirst
from django.utils.translation import gettext

from portal.kernel.registry import EMPTY_VALUES, NOT_APPLICABLE

from . import sqltext
from .report import Outline
from .scope import Presenter

#: Rows written to a file at once.
WRITE_BATCH = 1000


def batched(rows: Iterator, size: int = WRITE_BATCH) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def csv_columns(part) -> list[tuple[int, object, str]]:
    """(table index, field, header) of every field column of a category's CSV.

    A label two sources share is prefixed with the source's label; each header
    begins with a capital letter, as a heading does (labels are written in lower case).
    """
    labels = [str(f.label) for t in part.tables for f in t.fields]
    columns = []
    for index, table in enumerate(part.tables):
        for f in table.fields:
            header = str(f.label)
            if labels.count(header) > 1:
                header = f"{table.label}: {header}"
            columns.append((index, f, capfirst(header)))
    return columns


@dataclass
class CsvTable:
    """One category's CSV, written to a temporary file while the sources are read."""

    name: str
    file: io.TextIOWrapper
    writer: object
    rows: int = 0


#: Types the csv module writes as the package's text of them (None as "",
#: numbers and dates by str()): a column holding only these is written as read.
_WRITTEN_AS_IS = frozenset({str, type(None), int, float, decimal.Decimal, dt.date})


@dataclass
class _TableWriter:
    """How one source's rows become rows of one category's CSV.

    A batch is converted column by column: a column shown as stored whose
    values are all of :data:`_WRITTEN_AS_IS` goes to the csv module as it is,
    the others through their converter. A column whose empty value may not
    mean "nothing registered" (``PersonalField.empty_column``) has in
    ``empties`` a function of the row and the value for its empty values; the
    others None. A column of a field shown with its row (``display_in_row``)
    has in ``in_row`` its one converter, a function of the row and the value;
    the others None: their converters take the value alone.
    """

    target: CsvTable
    positions: list[int]
    converters: list
    #: Per column: True when the field has no display (a choice label, a name).
    as_stored: list[bool]
    label: list[str]
    before: list[str]
    after: list[str]
    with_service: bool
    service_name: object = field(repr=False, default=None)
    empties: list | None = None
    in_row: list | None = None

    def __post_init__(self):
        if self.empties is None:
            self.empties = [None] * len(self.positions)
        if self.in_row is None:
            self.in_row = [None] * len(self.positions)

    def write(self, batch: list[tuple]) -> None:
        size = len(batch)
        columns = [itertools.repeat(text, size) for text in self.label]
        if self.with_service:
            columns.append(map(self.service_name, map(operator.itemgetter(1), batch)))
        columns += [itertools.repeat(text, size) for text in self.before]
        for position, convert, as_stored, empty, with_row in zip(
            self.positions,
            self.converters,
            self.as_stored,
            self.empties,
            self.in_row,
            strict=True,
        ):
            values = list(map(operator.itemgetter(2 + position), batch))
            if with_row is not None:
                columns.append(list(map(with_row, batch, values)))
            elif empty is not None:
                columns.append(
                    [
                        empty(row, value) if value in EMPTY_VALUES else convert(value)
                        for row, value in zip(batch, values, strict=True)
                    ]
                )
            elif as_stored and _WRITTEN_AS_IS.issuperset(map(type, values)):
                columns.append(values)
            else:
                columns.append(map(convert, values))
        columns += [itertools.repeat(text, size) for text in self.after]
        self.target.writer.writerows(zip(*columns, strict=True))
        self.target.rows += size


def open_csv_tables(outline: Outline, stack: contextlib.ExitStack) -> dict[str, CsvTable]:
    """A temporary CSV file with its header per category with data, by category code.

    The files are closed (and gone) when ``stack`` closes.
    """
    tables = {}
    for part in outline.categories:
        columns = csv_columns(part)
        header = [gettext("Data")] if len(part.tables) > 1 else []
        header += [gettext("Service")] if any(t.service_column for t in part.tables) else []
        header += [h for _i, _f, h in columns]
        raw = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 (closed by stack)
        file = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        # The byte order mark tells spreadsheet programs the encoding; written by
        # hand, as the utf-8-sig codec costs a reset on every write.
        file.write("\ufeff")
        writer = csv.writer(file)
        writer.writerow(header)
        tables[part.category.value] = CsvTable(f"csv/{part.category.value}.csv", file, writer)
    return tables


def _empty_text(personal_field, names, convert):
    """The CSV text of an empty value of a column, as a function of the row and the
    value (None when an empty value there always means that nothing is registered):
    "not applicable" in the customer's language, what the empty value means
    ("every recipient"), or the value's own text (``convert`` of the row and the
    value)."""
    empty = personal_field.empty_column(names)
    if empty is None:
        return None
    not_applicable = gettext("not applicable")

    def text(row, value):
        meaning = empty(row[2:])
        if meaning is NOT_APPLICABLE:
            return not_applicable
        return convert(row, value) if meaning is None else str(meaning)

    return text


def _row_text(personal_field, names, text):
    """The CSV text of a column shown with its row (``Presenter.row_text_column``
    ``text``), its empty values included, as a function of the row and the value."""

    def shown(row, value):
        return text(row[2:], value)

    empty = _empty_text(personal_field, names, shown)
    if empty is None:
        return shown
    return lambda row, value: empty(row, value) if value in EMPTY_VALUES else shown(row, value)


def _table_writers(outline: Outline, source, fields, tables, presenter) -> list[_TableWriter]:
    """``fields``: the fields of the rows read, in order (see ``PackageScope.fetched``)."""
    service_name = functools.lru_cache(maxsize=256)(outline.service_name)
    names = [f.name for f in fields]
    writers = []
    for part in outline.categories:
        columns = csv_columns(part)
        for index, table in enumerate(part.tables):
            if table.source is not source:
                continue
            converters = [presenter.text_column(source, f) for f in table.fields]
            in_row = [presenter.row_text_column(source, f, names) for f in table.fields]
            writers.append(
                _TableWriter(
                    target=tables[part.category.value],
                    positions=[fields.index(f) for f in table.fields],
                    converters=converters,
                    as_stored=[source.displayer(f) is None for f in table.fields],
                    empties=[
                        _empty_text(f, names, lambda _row, value, convert=convert: convert(value))
                        for f, convert in zip(table.fields, converters, strict=True)
                    ],
                    in_row=[
                        None if text is None else _row_text(f, names, text)
                        for f, text in zip(table.fields, in_row, strict=True)
                    ],
                    label=[str(table.label)] if len(part.tables) > 1 else [],
                    before=[""] * sum(1 for i, _f, _h in columns if i < index),
                    after=[""] * sum(1 for i, _f, _h in columns if i > index),
                    with_service=any(t.service_column for t in part.tables),
                    service_name=service_name,
                )
            )
    return writers


def _json_moment(value: dt.datetime) -> str:
    """A datetime as DjangoJSONEncoder writes it (milliseconds, "Z" for UTC)."""
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text


_django_default = DjangoJSONEncoder().default
_django_dumps = DjangoJSONEncoder(ensure_ascii=False).encode


def _json_default(value):
    """What orjson hands back: each value as DjangoJSONEncoder writes it."""
    if type(value) is dt.datetime:
        return _json_moment(value)
    return _django_default(value)


#: Dates and times go to _json_default, so that data.json writes them as Django does.
_JSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


def write_records(out, outline: Outline, tables: dict[str, CsvTable]) -> dict[str, int]:
    """Every record of every source in scope: JSON lines into ``out``, rows into ``tables``.

    ``out`` is a binary file (the zip member of data.json); each record is one
    object encoded by orjson, values as Django's encoder gives them. Returns
    the records written per source key.
    """
    scope, presenter = outline.scope, Presenter()
    dumps, default, options = orjson.dumps, _json_default, _JSON_OPTIONS
    written: dict[str, int] = {}
    first = True
    for source in dict.fromkeys(t.source for t in outline.tables()):
        fields = list(scope.fields(source))
        fetched = scope.fetched(source, fields)
        names, end = [f.name for f in fields], 2 + len(fields)
        fetched_names = [f.name for f in fetched]
        # A field shown with its row (display_in_row) is shown by in_row only: the
        # other columns' converters take the value alone, at no cost for the row.
        in_row = [
            (index, f.name, show)
            for index, f in enumerate(fields)
            if (show := presenter.row_column(source, f, fetched_names)) is not None
        ]
        shown = [
            (index, f.name, presenter.column(source, f))
            for index, f in enumerate(fields)
            if source.displayer(f) is not None and f.display_in_row is None
        ]
        empties = [
            (index, f.name, empty)
            for index, f in enumerate(fields)
            if (empty := f.empty_column(fetched_names)) is not None
        ]
        writers = _table_writers(outline, source, fetched, tables, presenter)
        fast = (
            sqltext.plan(source, fetched, scope, outline, writers)
            if tuple(fetched) == tuple(fields)
            else None
        )
        if fast is not None:
            written[source.key] = fast.write(out, first, keep=_keep(scope, source))
            first = first and not written[source.key]
            continue
        count = 0
        for batch in batched(scope.rows(source, fetched)):
            lines = []
            for row in batch:
                values = row[2:end]
                item = {
                    "source": source.key,
                    "id": row[0],
                    "service": row[1],
                    "values": dict(zip(names, values, strict=True)),
                }
                text = {}
                for index, name, show in shown:
                    value = values[index]
                    result = show(value)
                    if result is not value and result != value:
                        text[name] = result
                if in_row:
                    _shown_in_row(in_row, values, row, text)
                absent = _empty_meanings(empties, values, row, text) if empties else None
                if text:
                    item["text"] = text
                if absent:
                    item["not_applicable"] = absent
                try:
                    lines.append(dumps(item, default=default, option=options))
                except orjson.JSONEncodeError:
                    # What orjson refuses (an integer past 64 bits) Django's encoder writes.
                    lines.append(_django_dumps(item).encode("utf-8"))
            out.write((b"\n    " if first else b",\n    ") + b",\n    ".join(lines))
            first = False
            for writer in writers:
                writer.write(batch)
            count += len(batch)
        written[source.key] = count
    return written


def _keep(scope, source):
    """Which records of ``source`` the package discloses, as a function of a row's id
    and service (as ``PackageScope.rows`` filters them), or None for every one."""
    withheld = scope.withheld_ids(source.key)
    if not scope.services and not withheld:
        return None
    return lambda pk, service: scope.covers_service(service) and str(pk) not in withheld


def _shown_in_row(in_row, values, row, text: dict) -> None:
    """Into ``text``, what the fields shown with their row (``display_in_row``) show
    where that is not the stored value."""
    fetched = row[2:]
    for index, name, show in in_row:
        value = values[index]
        result = show(fetched, value)
        if result is not value and result != value:
            text[name] = result


def _empty_meanings(empties, values, row, text: dict) -> list[str]:
    """The names of the fields that do not apply to the record of ``row``; into
    ``text``, what the empty values of the others mean ("every recipient")."""
    absent = []
    for index, name, empty in empties:
        if values[index] in EMPTY_VALUES:
            meaning = empty(row[2:])
            if meaning is NOT_APPLICABLE:
                absent.append(name)
            elif meaning is not None:
                text[name] = str(meaning)
    return absent


def copy_csv_tables(archive, tables: dict[str, CsvTable], open_member) -> dict[str, int]:
    """Copy each temporary CSV file into the zip; returns the rows per category code."""
    counts = {}
    for code, table in tables.items():
        table.file.flush()
        raw = table.file.detach()
        raw.seek(0)
        with open_member(archive, table.name) as member:
            shutil.copyfileobj(raw, member, 1 << 20)
        counts[code] = table.rows
    return counts
