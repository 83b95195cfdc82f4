"""The view of one subject's personal data: what "my data" and the staff lookup show.

:func:`subject_view` reads every registry source for one customer and groups
the records by service, then category, with the purposes of use and the
retention texts, each long history paged on its own. The pages render it with
``templates/includes/personal_data.html``; :func:`personal_data_html` renders
it for "my data" and keeps the result while the customer's data is unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache as memoize
from functools import cached_property
from typing import Any

from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from . import encryption, generations, zones
from .models import Service
from .models.services import by_name
from .registry import (
    NOT_APPLICABLE,
    Category,
    Census,
    PersonalField,
    Record,
    Registry,
    Source,
    registry,
    view_cache_key,
)

TEMPLATE = "includes/personal_data.html"
#: Seconds a rendered view is kept at most; it is replaced as soon as it no
#: longer matches the data (see :func:`personal_data_html`).
VIEW_TTL = generations.TTL
#: The services' names in the view.
SERVICES_GENERATION = "portal.services"
generations.watch(SERVICES_GENERATION, Service)


class _Texts:
    """The purposes and retention texts of one subject view, from the shared cache.

    They depend on the purposes, recipients and retention rules, not on the
    customer: one dict per language and :meth:`Registry.texts_key` (which
    changes with the policy version and whenever those tables change) holds
    every text asked for so far, so a page normally runs no query for them.
    A text missing from it is asked of the provider once and stored.
    """

    def __init__(self, registry: Registry):
        self.registry = registry
        self.key = registry.texts_key()
        self.texts: dict[tuple, Any] = generations.quiet_get(self.key) or {}
        self.changed = False

    def _get(self, key: tuple, compute):
        if key not in self.texts:
            self.texts[key] = compute()
            self.changed = True
        return self.texts[key]

    def retention_text(self, code: str) -> str | None:
        return self._get(("retention", code), lambda: self.registry.retention_text(code))

    def category_group(self, category, code, sections) -> CategoryGroup:
        texts = []
        # Every rule that keeps the data: a record under two laws names both.
        codes = (code for s in sections for code in s.source.retention_codes)
        for retention in dict.fromkeys(codes):
            text = self.retention_text(retention)
            if text is None:
                texts = None
                break
            texts.append(text)
        purposes = self._get(
            ("purposes", category.value, code),
            lambda: self.registry.category_purposes(category, code),
        )
        return CategoryGroup(category, sections, purposes, texts)

    def save(self) -> None:
        if self.changed:
            generations.quiet_set(self.key, self.texts, generations.TTL)


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
        """(field, display value) pairs of a single-record section, less the fields
        that do not apply to the record (a pending change of address when none is
        pending): a list has no column to keep, so they are left out."""
        if not self.rows:
            return []
        pairs = zip(self.fields, self.rows[0].cells, strict=True)
        return [(f, value) for f, value in pairs if value is not NOT_APPLICABLE]

    @cached_property
    def zones(self) -> list[str]:
        """Per column, the name of the time zone all its times are written in (the
        active one), for its heading; "" for a column without times, or whose times
        differ (a summer and a winter time): each cell then names its own."""
        return [
            zones.shared_label(
                (cell, None) for row in self.rows if isinstance(cell := row.cells[i], dt.datetime)
            )
            for i in range(len(self.fields))
        ]

    @property
    def columns(self) -> list[tuple[PersonalField, str]]:
        """(field, the zone its heading names) of each column."""
        return list(zip(self.fields, self.zones, strict=True))

    @property
    def table(self) -> list[list[tuple[Any, str]]]:
        """Each row's (value, the zone its column's heading names) pairs."""
        return [list(zip(row.cells, self.zones, strict=True)) for row in self.rows]


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


def subject_view(
    subject,
    *,
    pages: Mapping[str, Any] | None = None,
    per_page: int = 20,
    services: Collection[str] | None = None,
    counts: Mapping[str, Mapping[str | None, int]] | None = None,
) -> SubjectView:
    """Everything about a subject, grouped by service, then category.

    ``pages`` maps each section's page parameter to a page number (the
    request's GET); ``services`` limits the view to those service codes
    (and then leaves out data tied to no service); ``counts`` are the
    subject's :meth:`Registry.service_counts` when the caller has them.

    Queries: one count of every source grouped by service
    (:meth:`Registry.service_counts`), one query per single-record source,
    then one page query per source and service that has records, plus one
    for the services' names; the purposes and retention texts come from the
    cache (:class:`_Texts`). The number depends on the sources and services,
    never on how many records there are.
    """
    pages = pages or {}
    fetched: dict[tuple[str | None, str], tuple[list[Record], PageInfo | None]] = {}
    if counts is None:
        counts = registry.service_counts(subject, services=services)
    for source in registry.sources():
        if source.single:
            if services is not None:
                continue
            records = source.records(subject, limit=1)
            for record in records:
                fetched[(record.service, source.key)] = ([record], None)
            continue
        for code, count in counts.get(source.key, {}).items():
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
    texts = _Texts(registry)
    ordered_codes = [s.code for s in by_name(known.values())] + sorted(codes - known.keys())
    for code in [None, *ordered_codes]:
        categories = []
        for category in Category:
            sections = []
            for source in registry.sources():
                if (code, source.key) not in fetched or not source.fields_in(category):
                    continue
                records, page = fetched[(code, source.key)]
                chosen = source.fields_in(category)
                rows = [Row(r, [source.cell(f, r) for f in chosen]) for r in records]
                anchor = f"{source.key}-{code or 'account'}-{category.value}".replace(".", "-")
                sections.append(Section(anchor, source, category, chosen, rows, page))
            if sections:
                categories.append(texts.category_group(category, code, sections))
        if categories:
            groups.append(ServiceGroup(code, known.get(code), categories))
    texts.save()
    return SubjectView(subject, groups, per_page)


@memoize
def _template_digest() -> str:
    return hashlib.sha256(get_template(TEMPLATE).template.source.encode()).hexdigest()


def _variant(version: str, *parts) -> str:
    """Everything a rendered view depends on besides the records' own rows."""
    text = "\x1f".join(
        [
            version,
            get_language() or "",
            timezone.get_current_timezone_name(),
            registry.texts_key(),
            generations.token(SERVICES_GENERATION),
            _template_digest(),
            *map(str, parts),
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def personal_data_html(
    request, subject, *, empty_message, per_page: int = 20, census: Census | None = None
) -> SafeString:
    """``includes/personal_data.html`` of the subject's :func:`subject_view`, rendered.

    The first page of every history is kept in the shared cache, one entry per
    subject, under its variant: the version of every row of the subject's data
    (``Registry.census``, read by the same query as the counts), the language,
    the time zone, the purposes and retention texts, the services' names and
    the template. A reload while nothing changed costs that one query; any
    change to a row of the subject's, however it was written, renders the
    view afresh. The entry is compressed and encrypted under the field key
    (the cache is outside the database's encryption at rest), and erasure
    drops it (``Registry.erase``). A page with a query string (another page of
    a history: its links carry the query on), and every view on a database
    without row versions (SQLite), is rendered each time. A caller that needs
    the census itself passes it in (``registry.census(subject)``).
    """
    if census is None:
        census = registry.census(subject)
    key = view_cache_key(subject.pk)
    variant = None
    if census.version is not None and not request.GET:
        variant = _variant(census.version, empty_message, per_page)
        cached = generations.quiet_get(key)
        if cached is not None and cached[0] == variant:
            try:
                return mark_safe(zlib.decompress(encryption.decrypt_bytes(cached[1])).decode())
            except (encryption.FieldDecryptionError, zlib.error):
                pass  # made under a key since removed: rendered again below
    data = subject_view(subject, pages=request.GET, per_page=per_page, counts=census.counts)
    html = render_to_string(
        TEMPLATE, {"data": data, "empty_message": empty_message}, request=request
    )
    if variant is not None:
        sealed = encryption.encrypt_bytes(zlib.compress(html.encode(), 1))
        generations.quiet_set(key, (variant, sealed), VIEW_TTL)
    return mark_safe(html)
