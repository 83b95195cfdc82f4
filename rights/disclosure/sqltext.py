"""The records of a model source written as PostgreSQL's own text (the package's fast path).

On PostgreSQL, a source whose every field is stored as plain text, a number,
a date, a moment or an encrypted text, and shown as stored or by its choices'
labels, is read by one query that hands each record over already written:
its data.json object and its row of each CSV table, cut where an encrypted
value goes. Python opens those values and splices them in; nothing else is
done per record. The query is built from the registry's declaration (the
source's own ``rows_query``, its fields, their model fields and choices), so
the texts are those of :mod:`~rights.disclosure.tables` to the byte (the
tests compare both paths). A source with anything else (a display function,
a value shown with its row, an empty value that may mean something, another
type) returns no plan and goes through ``tables.write_records``'s own loop.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass

import orjson
from django.db import connection, models
from django.utils import timezone

from portal.kernel import encryption
from portal.kernel.fields import encrypted_fields
from portal.kernel.registry import ModelSource

#: The bytes of COPY's output spliced at once.
BLOCK_BYTES = 1 << 18

_CSV_SPECIAL = frozenset(',"\r\n')

_TEXT_FIELDS = (models.CharField, models.TextField)
_INTEGER_FIELDS = (models.IntegerField, models.AutoField)


def _csv_cell(text: str) -> str:
    """``text`` as the csv module writes it (QUOTE_MINIMAL, the default dialect)."""
    if _CSV_SPECIAL.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def _csv_sql(expression: str) -> str:
    """SQL quoting the text ``expression`` as :func:`_csv_cell` does."""
    return (
        f"CASE WHEN {expression} ~ E'[,\"\\\\r\\\\n]' "
        f"THEN '\"' || replace({expression}, '\"', '\"\"') || '\"' ELSE {expression} END"
    )


@dataclass
class _Column:
    name: str
    ref: str
    #: "text", "inet", "integer", "date", "moment" or "encrypted".
    kind: str
    labels: dict | None = None


def _kind(model_field) -> str | None:
    """How a plain (not encrypted) model field's values become text, or None."""
    if hasattr(model_field, "from_db_value"):
        return None  # Python turns the stored value into another
    if isinstance(model_field, models.DateTimeField):
        return "moment"
    if isinstance(model_field, models.DateField):
        return "date"
    if isinstance(model_field, models.BooleanField):
        return None
    if isinstance(model_field, _INTEGER_FIELDS):
        return "integer"
    if isinstance(model_field, _TEXT_FIELDS):
        return "text"
    if isinstance(model_field, models.GenericIPAddressField):
        return "inet"
    return None


class Plan:
    """One source's query and how to splice its rows (see :func:`plan`)."""

    def __init__(self, sql: str, params: list, encrypted: int, writers: list):
        self.sql, self.params = sql, params
        self.encrypted = encrypted
        self.writers = writers

    def write(self, out, first: bool, keep=None) -> int:
        """Write the JSON objects into ``out`` and the rows into each writer's table.

        ``keep(id, service)``, when given, tells which records are disclosed.
        Returns the records written.
        """
        k = self.encrypted
        targets = [writer.target for writer in self.writers]
        widths = [k + 1] * len(targets)
        decrypt, dumps, cell = encryption.decrypt, orjson.dumps, _csv_cell
        count = 0
        for rows in self._batches():
            if keep is not None:
                rows = [row for row in rows if keep(row[0], row[1])]
                if not rows:
                    continue
            lines = []
            tables = [[] for _ in targets]
            if k == 1:
                # One encrypted value (the usual case): one splice per file.
                for row in rows:
                    token = row[3]
                    if token is None:
                        shown, text = "null", ""
                    else:
                        opened = decrypt(token)
                        shown, text = dumps(opened).decode(), cell(opened)
                    lines.append(row[2] + shown + row[4])
                    at = 5
                    for table in tables:
                        table.append(row[at] + text + row[at + 1])
                        at += 2
            else:
                for row in rows:
                    opened = [None if t is None else decrypt(t) for t in row[3 : 3 + k]]
                    json_parts = [row[2]]
                    for index, value in enumerate(opened):
                        shown = "null" if value is None else dumps(value).decode()
                        json_parts += [shown, row[3 + k + index]]
                    lines.append("".join(json_parts))
                    at = 3 + 2 * k
                    for table, width in zip(tables, widths, strict=True):
                        parts = [row[at]]
                        for index, value in enumerate(opened):
                            parts += ["" if value is None else cell(value), row[at + 1 + index]]
                        table.append("".join(parts))
                        at += width
            out.write(((",\n    " if not first else "\n    ") + ",\n    ".join(lines)).encode())
            first = False
            for target, table in zip(targets, tables, strict=True):
                target.file.write("\r\n".join(table) + "\r\n")
                target.rows += len(table)
            count += len(rows)
        return count

    def _batches(self) -> Iterator[list[tuple]]:
        """The query's rows, a block of COPY's output at a time.

        COPY streams: PostgreSQL writes the next rows while Python splices these.
        """
        sql = f"COPY ({self.sql}) TO STDOUT"
        with connection.connection.cursor() as cursor, cursor.copy(sql, self.params) as copy:
            # PostgreSQL sends a row a message: spliced a block of rows at a time.
            block, size = [], 0
            for data in copy:
                block.append(bytes(data))
                size += len(data)
                if size >= BLOCK_BYTES:
                    yield _block(block)
                    block, size = [], 0
            if block:
                yield _block(block)


def _block(block: list[bytes]) -> list[tuple]:
    # Each message is whole rows, each ending with a newline.
    return [_fields(line) for line in b"".join(block)[:-1].decode().split("\n")]


def _fields(line: str) -> tuple:
    """One row of COPY's text format: fields split at tabs, escapes undone."""
    if "\\" not in line:
        return tuple(line.split("\t"))
    return tuple(_unescape(text) for text in line.split("\t"))


_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def _unescape(text: str):
    if text == "\\N":
        return None
    return _ESCAPE.sub(lambda match: _ESCAPES.get(match[1], match[1]), text)


def plan(source, fields, scope, outline, writers) -> Plan | None:
    """The fast path's plan for ``source`` read as ``fields`` (the fetched fields), or
    None when the source needs the Python loop. ``writers`` are the source's
    ``tables._TableWriter`` objects (their columns and constant cells)."""
    if connection.vendor != "postgresql" or not isinstance(source, ModelSource):
        return None
    tz = timezone.get_current_timezone()
    if not isinstance(tz, zoneinfo.ZoneInfo):
        return None
    pk = source.model._meta.pk
    if not isinstance(pk, _INTEGER_FIELDS) or not writers:
        return None
    encrypted = set(encrypted_fields(source.model))
    names = [f.name for f in fields]
    columns = []
    for index, personal_field in enumerate(fields):
        if (
            personal_field.display is not None
            or personal_field.display_in_row is not None
            or personal_field.empty_column(names) is not None
        ):
            return None
        model_field = source.model_field(personal_field)
        if model_field in encrypted:
            if not isinstance(model_field, models.CharField | models.TextField):
                return None
            kind = "encrypted"
        else:
            kind = _kind(model_field)
        if kind is None:
            return None
        labels = source.choices(personal_field)
        if labels is not None and (
            kind != "text" or not all(isinstance(code, str) for code in labels)
        ):
            return None
        if labels is not None:
            labels = {code: str(label) for code, label in labels.items()}
        columns.append(_Column(personal_field.name, f"r.c{index}", kind, labels))
    if any(len(w.positions) + len(w.label) + len(w.before) + len(w.after) < 2 for w in writers):
        return None  # a one-cell row: the csv module quotes an empty one
    query = source.rows_query(scope.subject, names)
    inner, params = query.query.sql_with_params()
    params = list(params)
    aliases = ", ".join(["r_id", "r_service", *(f"c{i}" for i in range(len(columns)))])
    select: list[str] = ["r.r_id", "r.r_service"]
    out_params: list = []

    # data.json: the object, cut at each encrypted value.
    json_parts: list[list] = [[]]  # each: list of (sql, params)
    tokens = []

    def lit(text: str):
        return ("%s::text", [text])

    def put(piece):
        json_parts[-1].append(piece)

    put(lit('{"source":' + orjson.dumps(source.key).decode() + ',"id":'))
    put(("r.r_id::text", []))
    put(lit(',"service":'))
    put(("coalesce(to_json(r.r_service::text)::text, 'null')", []))
    put(lit(',"values":{'))
    zone = tz.key
    for index, column in enumerate(columns):
        put(lit(("," if index else "") + orjson.dumps(column.name).decode() + ":"))
        if column.kind == "encrypted":
            tokens.append(column.ref)
            json_parts.append([])
            continue
        put((f"coalesce({_json_sql(column)}, 'null')", []))
    put(lit("}"))
    shown = [c for c in columns if c.labels]
    if shown:
        cases, case_params = [], []
        for column in shown:
            whens, when_params = [], []
            for code, label in column.labels.items():
                if label != code:
                    whens.append("WHEN %s THEN %s::text")
                    when_params += [
                        code,
                        orjson.dumps(column.name).decode() + ":" + orjson.dumps(label).decode(),
                    ]
            if whens:
                cases.append(f"CASE {column.ref} {' '.join(whens)} END")
                case_params += when_params
        if cases:
            text = f"nullif(concat_ws(',', {', '.join(cases)}), '')"
            put((f"coalesce(',\"text\":{{' || {text} || '}}', '')", case_params))
    put(lit("}"))
    segments = [_concat(pieces) for pieces in json_parts]
    # Columns: id, service, json head, tokens..., json tails (one per token)...
    select.append(segments[0][0])
    out_params += segments[0][1]
    for ref in tokens:
        select.append(f"{ref}::text")
    for sql, sql_params in segments[1:]:
        select.append(sql)
        out_params += sql_params

    # The CSV rows of each table, cut the same way.
    for writer in writers:
        row_parts: list[list] = [[]]
        cells: list = []
        for text in writer.label:
            cells.append(lit(_csv_cell(text)))
        if writer.with_service:
            cells.append(_service_sql(outline))
        cells += [lit(_csv_cell(text)) for text in writer.before]
        positions = []
        for position in writer.positions:
            column = columns[position]
            if column.kind == "encrypted":
                positions.append(None)
            else:
                positions.append(_cell_sql(column, zone))
        after = [lit(_csv_cell(text)) for text in writer.after]
        all_cells = cells + positions + after
        for index, cell in enumerate(all_cells):
            if index:
                row_parts[-1].append(lit(","))
            if cell is None:
                row_parts.append([])
            else:
                row_parts[-1].append(cell)
        hidden = [p for p in writer.positions if columns[p].kind == "encrypted"]
        if len(row_parts) != len(tokens) + 1 or hidden != sorted(hidden):
            # A table without every encrypted column, or in another order.
            return None
        for pieces in row_parts:
            sql, sql_params = _concat(pieces)
            select.append(sql)
            out_params += sql_params
    sql = f"SELECT {', '.join(select)} FROM ({inner}) AS r({aliases})"
    return Plan(sql, out_params + params, len(tokens), writers)


def _concat(pieces) -> tuple[str, list]:
    if not pieces:
        return "''::text", []
    sql = " || ".join(f"({p})" for p, _ in pieces)
    params = [value for _, values in pieces for value in values]
    return sql, params


def _json_sql(column: _Column) -> str:
    ref = column.ref
    if column.kind == "integer":
        return f"{ref}::text"
    if column.kind == "date":
        return f"'\"' || to_char({ref}, 'YYYY-MM-DD') || '\"'"
    if column.kind == "moment":
        # DjangoJSONEncoder: UTC, the fraction cut to milliseconds when there is one,
        # "Z". PostgreSQL's own text of the moment (DateStyle ISO, as psycopg needs)
        # drops the fraction's trailing zeros; rpad puts them back.
        utc = f"({ref} AT TIME ZONE 'UTC')::text"
        return (
            f"'\"' || replace(CASE WHEN length({utc}) > 19 THEN rpad(left({utc}, 23), 23, '0') "
            f"ELSE {utc} END, ' ', 'T') || 'Z\"'"
        )
    return f"to_json({_plain_text(column)})::text"


def _plain_text(column: _Column) -> str:
    # An address as PostgreSQL writes it (and psycopg hands it to Django): inet's
    # text() adds "/32" to a single address, abbrev() does not.
    return f"abbrev({column.ref})" if column.kind == "inet" else f"{column.ref}::text"


def _cell_sql(column: _Column, zone: str) -> tuple[str, list]:
    """SQL of the CSV cell of a column and its parameters.

    Moments, dates, numbers and addresses never need quotes; a label is
    quoted here once, only other texts are checked on each row.
    """
    ref = column.ref
    if column.kind == "moment":
        return f"coalesce(left(({ref} AT TIME ZONE %s::text)::text, 19), '')", [zone]
    if column.kind == "date":
        return f"coalesce(to_char({ref}, 'YYYY-MM-DD'), '')", []
    if column.kind in ("integer", "inet"):
        return f"coalesce({_plain_text(column)}, '')", []
    return _labelled(ref, column.labels or {})


def _labelled(ref: str, labels: dict) -> tuple[str, list]:
    """The quoted cell of a text column whose codes in ``labels`` read as their label."""
    other = _csv_sql(f"{ref}::text")
    if not labels:
        return f"coalesce({other}, '')", []
    whens, params = [], []
    for code, label in labels.items():
        whens.append("WHEN %s THEN %s::text")
        params += [code, _csv_cell(label)]
    return f"coalesce(CASE {ref} {' '.join(whens)} ELSE {other} END, '')", params


def _service_sql(outline) -> tuple[str, list]:
    """The quoted cell of the service's name (``Outline.service_name``)."""
    names = {code: outline.service_name(code) for code in sorted(outline.services)}
    return _labelled("r.r_service", names)
