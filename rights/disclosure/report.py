"""The readable disclosure report: one HTML document in the customer's language.

The document is one template (``rights/disclosure/report.html``) rendered as
an outline: everything but the rows of the long tables, whose size depends on
the sources and categories, never on the number of records. Each long table's
body is a marker comment; the outline is cut at the markers and the rows are
streamed from the registry in between, a few hundred per chunk.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from consent.selectors import receipt_record_keep_until, receipt_records_for
from portal.kernel.company import CompanyContact
from portal.kernel.models import Service
from portal.kernel.registry import (
    EMPTY_VALUES,
    NOT_APPLICABLE,
    Category,
    PersonalField,
    Source,
    registry,
)
from portal.kernel.templatetags.registry_tags import pd_is_long, pd_value
from portal.kernel.wording import listed

from .scope import PackageScope, Presenter, customer_name, in_language, snapshot
from .secrets import HeldSecret, held_elsewhere, held_here
from .third_parties import (
    RecipientInfo,
    provision_rows,
    provisions,
    recipients_for,
    withheld_provisions,
    withheld_receipts,
)
from .withholding import WithheldPart, withheld_summary

#: Rows of HTML per chunk: large enough that writing is not dominated by
#: per-chunk overhead, small enough that a chunk is a few hundred kilobytes.
ROWS_PER_CHUNK = 500
#: A table of more records is not listed in the report, which then gives its
#: count and names the CSV file and data.json, where every record is: a report
#: of a hundred thousand rows cannot be read, and takes longer to write than
#: the rest of the package.
REPORT_TABLE_ROWS = 1000
STYLESHEET = "css/disclosure-report.css"
_MARKER = "<!--rp-rows:{}-->"
_MARKER_RE = re.compile(r"<!--rp-rows:([a-z0-9-]+)-->")
PROVISION_MARKER = "provision"
RECEIPT_MARKER = "receipt"


def law_text(regime: str) -> str:
    """The provision a disclosure answers, for the report's header."""
    if regime == "gdpr":
        return gettext("Right of access, GDPR Art. 15")
    if regime == "ccpa":
        return gettext("Right to know, CCPA (Cal. Civ. Code §1798.110)")
    return gettext(
        "Disclosure of retained personal data and of the records of provision to and "
        "receipt from third parties, APPI Art. 33(1) and 33(5)"
    )


@dataclass
class Table:
    """One source's records of one category."""

    key: str
    source: Source
    category: Category
    fields: tuple[PersonalField, ...]
    count: int
    service_column: bool
    #: A single-record source: (field, display value) pairs shown as a list.
    items: list[tuple[PersonalField, Any]] | None = None

    @property
    def marker(self) -> str:
        return mark_safe(_MARKER.format(self.key))

    @property
    def listed(self) -> bool:
        """Whether the report lists the records (else they are in the CSV and JSON only)."""
        return self.count <= REPORT_TABLE_ROWS

    @property
    def label(self):
        return self.source.label

    @property
    def origin(self):
        return self.source.origin


@dataclass
class CategoryPart:
    category: Category
    tables: list[Table]
    purposes: list[str] | None
    #: (source label, how long it is kept or None while undefined) per retention rule.
    retention: list[tuple[Any, str | None]]

    @property
    def anchor(self) -> str:
        return f"category-{self.category.value}"

    @property
    def count(self) -> int:
        return sum(t.count for t in self.tables)


@dataclass
class Outline:
    """Everything in the report except the rows of its long tables."""

    request: Any
    scope: PackageScope
    generated_at: dt.datetime
    categories: list[CategoryPart]
    services: dict[str, Any]
    recipients: list[RecipientInfo] = field(default_factory=list)
    provision_count: int = 0
    #: Records of receipt from third parties listed (APPI Art. 30, 33(5)).
    receipt_count: int = 0
    #: What was withheld and on which ground (APPI Art. 33(2), GDPR Art. 15(4)).
    withheld: list[WithheldPart] = field(default_factory=list)
    #: What systems outside this database returned, by system (rights.connectors).
    external: list[dict] = field(default_factory=list)
    #: The kinds this portal holds for the person and never discloses (CCPA regs §7024(d)).
    held: list[HeldSecret] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Records disclosed, each once: a record whose fields fall in several kinds of
        data (the profile) is listed under each kind but counted once, as the package's
        data.json holds it once."""
        return sum({t.source.key: t.count for t in self.tables()}.values())

    @property
    def is_empty(self) -> bool:
        return not self.categories

    @property
    def shows_provision(self) -> bool:
        return self.scope.subject is not None and Category.CONSENT in self.scope.categories

    @property
    def joint_users(self) -> list:
        """Recipients that use the data jointly with us (APPI Art. 27(5)(iii))."""
        return [info.recipient for info in self.recipients if info.recipient.is_joint_use]

    @property
    def held_not_disclosed(self) -> list[HeldSecret]:
        """Every kind held but not disclosed: this portal's, then the connected systems'."""
        return self.held + held_elsewhere(self.external, self.request.regime)

    def tables(self) -> Iterator[Table]:
        for part in self.categories:
            yield from part.tables

    def service_name(self, code: str | None) -> str:
        if code is None:
            return ""
        service = self.services.get(code)
        return service.display_name if service is not None else code


def build_outline(rights_request, scope: PackageScope, generated_at=None) -> Outline:
    """The outline of the report: counts are one grouped query per source."""
    presenter = Presenter()
    tallies = scope.tallies()
    codes = set().union(*(c for _n, c in tallies.values())) if tallies else set()
    parts = []
    for category in scope.categories:
        tables = []
        for source in scope.sources(category):
            count, source_codes = tallies[source.key]
            if not count:
                continue
            fields = scope.fields(source, category)
            table = Table(
                key=f"{category.value}-{len(tables)}",
                source=source,
                category=category,
                fields=fields,
                count=count,
                service_column=bool(source_codes),
            )
            if source.single:
                record = source.records(scope.subject, limit=1)[0]
                # As on "my data", a list leaves out what does not apply to the record.
                items = [(f, _item(presenter, source, f, record.values)) for f in fields]
                table.items = [(f, v) for f, v in items if v is not NOT_APPLICABLE]
            tables.append(table)
        if tables:
            retention_codes = dict.fromkeys(
                code for t in tables for code in t.source.retention_codes
            )
            retention = [
                (
                    listed(t.label for t in tables if code in t.source.retention_codes),
                    registry.retention_text(code, regime=rights_request.regime),
                )
                for code in retention_codes
            ]
            parts.append(
                CategoryPart(category, tables, registry.category_purposes(category), retention)
            )
    outline = Outline(
        request=rights_request,
        scope=scope,
        generated_at=generated_at or timezone.now(),
        categories=parts,
        services={s.code: s for s in Service.objects.filter(code__in=codes)},
    )
    withheld = withheld_provisions(scope)
    if scope.subject is not None and parts:
        outline.recipients = recipients_for(scope.subject, withheld=withheld)
    if outline.shows_provision:
        outline.provision_count = provisions(scope.subject, withheld).count()
        outline.receipt_count = receipt_records_for(
            scope.subject, withheld=withheld_receipts(scope)
        ).count()
    outline.withheld = withheld_summary(rights_request)
    outline.held = held_here(scope.subject, rights_request.regime, scope.categories)
    return outline


def _item(presenter: Presenter, source: Source, personal_field: PersonalField, values) -> Any:
    """The value shown for one item of a single-record source (as ``Source.cell``)."""
    value = values.get(personal_field.name)
    if value in EMPTY_VALUES and (meaning := personal_field.if_empty(values)) is not None:
        return meaning if meaning is NOT_APPLICABLE else str(meaning)
    return presenter.shown(source, personal_field, value, values)


@functools.lru_cache(maxsize=8)
def _empty_cell(language: str) -> str:
    return f"<td>{pd_value(None)}</td>"


def _cell(presenter: Presenter, value: Any, empty: str | None = None) -> str:
    """One table cell; called once per value, so it avoids the template engine.

    ``empty``: the empty cell in the active language, found once per table.
    """
    if value is None or value == "" or value == [] or value == {}:
        return empty if empty is not None else _empty_cell(get_language())
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="num">{value:,}</td>'
    if isinstance(value, dt.date):
        # A person reads this report: a time as the pages write it, with its zone
        # ("5 Dec 2026, 19:30 CET"); the ISO form is for data.json and the CSV files.
        return f"<td>{escape(pd_value(value))}</td>"
    text = escape(presenter.text(value))
    return f'<td class="long">{text}</td>' if pd_is_long(value) else f"<td>{text}</td>"


def _chunked(rows: Iterator[str]) -> Iterator[str]:
    batch: list[str] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= ROWS_PER_CHUNK:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


@functools.lru_cache(maxsize=8)
def _not_applicable_cell(language: str) -> str:
    return f"<td>{pd_value(NOT_APPLICABLE)}</td>"


def _table_rows(outline: Outline, table: Table) -> Iterator[str]:
    if not table.listed:
        return
    source, presenter = table.source, Presenter()
    empty = _empty_cell(get_language())
    shown = [presenter.column(source, f) for f in table.fields]
    fetched = outline.scope.fetched(source, table.fields)
    names = [f.name for f in fetched]
    end = 2 + len(table.fields)
    # Per column, what an empty value stands for (PersonalField.empty_column), and
    # the display of a field shown with its row (Presenter.row_column); a table
    # without such a column is written as before, with no check per cell.
    empties = [f.empty_column(names) for f in table.fields]
    in_row = [presenter.row_column(source, f, names) for f in table.fields]
    not_applicable = _not_applicable_cell(get_language())

    def cell(show, what, with_row, value, row) -> str:
        if what is not None and value in EMPTY_VALUES:
            meaning = what(row[2:])
            if meaning is NOT_APPLICABLE:
                return not_applicable
            if meaning is not None:
                return _cell(presenter, str(meaning), empty)
        if with_row is not None:
            return _cell(presenter, with_row(row[2:], value), empty)
        return _cell(presenter, show(value), empty)

    checked = any(empties) or any(in_row)
    for row in outline.scope.rows(source, fetched):
        cells = []
        if table.service_column:
            cells.append(_cell(presenter, outline.service_name(row[1]), empty))
        if checked:
            cells += [
                cell(show, what, with_row, value, row)
                for show, what, with_row, value in zip(
                    shown, empties, in_row, row[2:end], strict=True
                )
            ]
        else:
            cells += [
                _cell(presenter, show(value), empty)
                for show, value in zip(shown, row[2:end], strict=True)
            ]
        yield "<tr>" + "".join(cells) + "</tr>\n"


def _provision_html(outline: Outline) -> Iterator[str]:
    presenter = Presenter()
    for row in provision_rows(outline.scope.subject, withheld=withheld_provisions(outline.scope)):
        cells = [
            row["provided_on"],
            row["recipient"],
            row["recipient_kind"],
            row["country"],
            row["data_items"],
            row["ground"],
            row["kept_until"],
        ]
        yield "<tr>" + "".join(_cell(presenter, value) for value in cells) + "</tr>\n"


def _receipt_html(outline: Outline) -> Iterator[str]:
    presenter = Presenter()
    records = receipt_records_for(outline.scope.subject, withheld=withheld_receipts(outline.scope))
    for record in records.iterator(chunk_size=2000):
        cells = [
            record.received_on,
            record.provider_name,
            record.provider_address,
            record.provider_representative,
            record.provider_acquisition,
            record.data_items,
            receipt_record_keep_until(record.received_on),
        ]
        yield "<tr>" + "".join(_cell(presenter, value) for value in cells) + "</tr>\n"


def stylesheet() -> str:
    """The report's CSS, to embed in a standalone document."""
    path = finders.find(STYLESHEET)
    with open(path, encoding="utf-8") as css:
        return mark_safe(css.read())


def _render_outline(outline: Outline, stylesheet_url: str | None) -> str:
    return render_to_string(
        "rights/disclosure/report.html",
        {
            "outline": outline,
            "language": outline.scope.language,
            "generated_at": outline.generated_at,
            "req": outline.request,
            "scope": outline.scope,
            "customer_name": customer_name(outline.scope.subject),
            "law": law_text(outline.request.regime),
            "contact": CompanyContact(),
            "services_asked": [outline.service_name(c) for c in outline.scope.services],
            "categories_asked": [c.label for c in outline.scope.categories],
            "provision_marker": mark_safe(_MARKER.format(PROVISION_MARKER)),
            "receipt_marker": mark_safe(_MARKER.format(RECEIPT_MARKER)),
            "provision_years": settings.CONSENT_PROVISION_RECORD_YEARS,
            "stylesheet_url": stylesheet_url,
            "inline_css": "" if stylesheet_url else stylesheet(),
        },
    )


def report_chunks(outline: Outline, *, stylesheet_url: str | None = None) -> Iterator[str]:
    """The report's HTML in chunks; the caller sets the language (see ``in_language``)."""
    html = _render_outline(outline, stylesheet_url)
    streams: dict[str, Callable[[], Iterator[str]]] = {
        table.key: (lambda table=table: _table_rows(outline, table)) for table in outline.tables()
    }
    streams[PROVISION_MARKER] = lambda: _provision_html(outline)
    streams[RECEIPT_MARKER] = lambda: _receipt_html(outline)
    position = 0
    for match in _MARKER_RE.finditer(html):
        yield html[position : match.start()]
        yield from _chunked(streams[match.group(1)]())
        position = match.end()
    yield html[position:]


def iter_disclosure_html(
    rights_request, *, stylesheet_url: str | None = None, external: list[dict] | None = None
) -> Iterator[str]:
    """The readable report of a disclosure request, in the customer's language, in chunks.

    Holds the purposes of use and retention period of each category, where
    each kind of data came from, the records themselves, the recipients and
    the records of provision to and receipt from third parties (APPI Art.
    33(5)), under a
    header with the request number and date. Memory stays flat: rows are
    streamed from the registry a few hundred at a time.

    The document is standalone (its stylesheet inside a ``<style>`` element)
    unless ``stylesheet_url`` is given, e.g. ``static("css/disclosure-report.css")``
    for a page of the portal under its Content-Security-Policy. ``external``: what
    systems outside this database returned (``rights.connectors.source.readable``).
    """
    scope = PackageScope.of(rights_request)

    def chunks():
        with snapshot():
            outline = build_outline(rights_request, scope)
            outline.external = external or []
            yield from report_chunks(outline, stylesheet_url=stylesheet_url)

    return in_language(scope.language, chunks(), rights_request.zone)
