"""What a customer receives for a disclosure request: one zip, built as a stream.

``write_package(rights_request, fileobj)`` writes the whole unencrypted zip of
a DISCLOSURE request into a writable binary file (a temporary file: the
caller encrypts and stores it) and returns a :class:`PackageSummary`.
``iter_report_html(rights_request)`` yields the readable report alone, for the
staff's printable (paper) version. ``write_purpose_notice(rights_request,
fileobj)`` does the same for a notice of purposes of use (APPI Art. 32(2)),
whose printable version ``iter_report_html`` also gives.

The zip holds, in the customer's language (``User.language``):

``README.txt``
    what each file is.
``report.html``
    the readable report: purposes of use and retention period of each
    category, where the data came from, the records of each table of up to
    ``REPORT_TABLE_ROWS`` (a longer one is given as its count and the files
    that hold it), the recipients and the records of provision to third
    parties (APPI Art. 33(1), 33(5); GDPR 15).
``data.json``
    every record, machine-readable (GDPR Art. 20): the request, the company,
    the categories, sources and recipients, what was withheld and the kinds
    held but not disclosed (``held_not_disclosed``, CCPA regs §7024(d)), then
    ``records`` (one object per record: ``source``, ``id``, ``service``, stored
    ``values`` and, where the stored value is a code or an id or an empty value
    means something ("every recipient"), the ``text`` the report shows and, when
    some fields do not apply to the record, their names in ``not_applicable``),
    then ``provision_records``, ``counts`` per category and ``total``.
``csv/<category>.csv``
    one table per category with data: a row per record, UTF-8 with a byte
    order mark so that spreadsheet programs read Japanese correctly; a cell
    that does not apply to its record reads "not applicable", an empty one
    means nothing is registered.

Memory does not depend on the number of records: each source is read once
through the registry (``Source.rows``: a server-side cursor with large
fetches) and written as JSON lines into the zip and as CSV rows into
temporary files, copied into the zip after ``data.json`` (see
:mod:`~rights.disclosure.tables`). Only the outline (counts, categories,
single-record sources, recipients) is held at once. On PostgreSQL the build
reads one REPEATABLE READ snapshot, so every file holds the same records and
README.txt and the report give its one count.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone, translation

from consent.models import ProvisionRecord
from portal.kernel.company import CompanyContact
from portal.kernel.registry import registry
from rights.choices import Kind
from rights.connectors.source import disclosed_records, labelled, readable

from .purposes_notice import build_notice, iter_notice_html, notice_json, render_notice
from .report import (
    STYLESHEET,
    Outline,
    build_outline,
    iter_disclosure_html,
    provision_rows,
    report_chunks,
)
from .scope import PackageScope, customer_language, snapshot
from .tables import copy_csv_tables, open_csv_tables, write_records

JSON_FORMAT = "rights-portal/disclosure"
JSON_VERSION = 1

#: Deflate level of the zip: the fastest. Level 6 (zlib's default) made the
#: package about 10 % smaller and took three times as long to compress.
COMPRESS_LEVEL = 1
_dumps = functools.partial(json.dumps, cls=DjangoJSONEncoder, ensure_ascii=False)

__all__ = ["PackageSummary", "iter_report_html", "write_package", "write_purpose_notice"]


@dataclass
class PackageSummary:
    """What a package holds: its files and how many records of each kind."""

    files: list[str]
    #: Records per category code (only categories with data).
    counts: dict[str, int]
    #: Records per registry source key.
    sources: dict[str, int]
    language: str
    generated_at: dt.datetime
    #: Records of provision to third parties disclosed (APPI Art. 33(5)).
    provision_records: int = 0

    @property
    def total(self) -> int:
        return sum(self.sources.values())

    @property
    def is_empty(self) -> bool:
        """True for the answer "we hold no personal data about you"."""
        return self.total == 0


def write_package(rights_request, fileobj) -> PackageSummary:
    """Write the disclosure package of ``rights_request`` as a zip into ``fileobj``.

    ``fileobj`` is a writable binary file; it need not be seekable. The
    request's services and categories limit what is disclosed (see
    :class:`~rights.disclosure.scope.PackageScope`). Raises ValueError for a
    request of another kind. Writes nothing to the database.
    """
    if rights_request.kind != Kind.DISCLOSURE:
        raise ValueError(f"{rights_request.reference} is not a disclosure request.")
    scope = PackageScope.of(rights_request)
    # Systems outside this database first: one that cannot answer now fails the
    # build, which is tried again, rather than a package without its data.
    external = disclosed_records(rights_request.subject, rights_request.categories)
    with (
        translation.override(scope.language),
        # Every date in the files as the e-mails and pages give it: the request's zone.
        timezone.override(rights_request.zone),
        snapshot(read_only=True),
        contextlib.ExitStack() as stack,
    ):
        outline = build_outline(rights_request, scope)
        outline.external = readable(external)
        with zipfile.ZipFile(
            fileobj, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
        ) as archive:
            summary = PackageSummary(
                files=[],
                counts={},
                sources={},
                language=scope.language,
                generated_at=outline.generated_at,
            )
            _write_chunks(archive, "report.html", report_chunks(outline))
            summary.files.append("report.html")
            tables = open_csv_tables(outline, stack)
            _write_json(archive, "data.json", outline, summary, tables)
            summary.files.append("data.json")
            summary.counts = copy_csv_tables(archive, tables, _open)
            summary.files += [table.name for table in tables.values()]
            if external:
                archive.writestr("external_systems.json", _dumps(labelled(external), indent=2))
                summary.files.append("external_systems.json")
                for answer in external:
                    summary.sources[f"external:{answer['system']}"] = len(answer["records"])
            readme = render_to_string(
                "rights/disclosure/readme.txt",
                {"outline": outline, "summary": summary, "contact": CompanyContact()},
            )
            archive.writestr("README.txt", readme.replace("\n", "\r\n"))
            summary.files.insert(0, "README.txt")
    return summary


def iter_report_html(
    rights_request, *, stylesheet_url: str | None = None, standalone: bool = False
) -> Iterator[str]:
    """The readable document of a request, in the customer's language, in chunks.

    For a disclosure, the report that ``report.html`` holds (see
    :func:`~rights.disclosure.report.iter_disclosure_html`); for a notice of
    purposes of use, the notice. Used by the staff's printable (paper) view:
    the document links the portal's stylesheet (``stylesheet_url``, by
    default ``css/disclosure-report.css`` under STATIC_URL), as the
    Content-Security-Policy refuses inline styles; ``standalone=True``
    embeds it instead, as the files in the zips do.
    """
    if not standalone and stylesheet_url is None:
        stylesheet_url = static(STYLESHEET)
    if standalone:
        stylesheet_url = None
    if rights_request.kind == Kind.PURPOSE_NOTICE:
        return iter_notice_html(rights_request, stylesheet_url=stylesheet_url)
    # Systems outside this database answer before the first byte: one that cannot
    # answer raises here (rights.connectors.client), not half-way through a page.
    external = disclosed_records(rights_request.subject, rights_request.categories)
    return iter_disclosure_html(
        rights_request, stylesheet_url=stylesheet_url, external=readable(external)
    )


def write_purpose_notice(rights_request, fileobj) -> PackageSummary:
    """Write the notice of purposes of use (APPI Art. 32(2)) of ``rights_request``.

    A zip with ``notice.html`` (readable, in the customer's language) and
    ``notice.json`` (the same, machine-readable): every purpose of use with
    whether the customer's data is used for it today and why, the kinds of
    data and recipients of each, the stops of use and provision in force,
    the privacy policy and the company's contact. Raises ValueError for a
    request of another kind. Writes nothing to the database.
    """
    if rights_request.kind != Kind.PURPOSE_NOTICE:
        raise ValueError(f"{rights_request.reference} is not a notice of purposes of use.")
    language = customer_language(rights_request)
    with (
        translation.override(language),
        timezone.override(rights_request.zone),
        snapshot(read_only=True),
    ):
        notice = build_notice(rights_request, rights_request.subject)
        html = render_notice(notice, language=language)
        data = _dumps(notice_json(notice), indent=2)
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notice.html", html)
        archive.writestr("notice.json", data + "\n")
    return PackageSummary(
        files=["notice.html", "notice.json"],
        counts={"purposes": len(notice.purposes), "restrictions": len(notice.restrictions)},
        sources={},
        language=language,
        generated_at=notice.generated_at,
    )


def _open(archive: zipfile.ZipFile, name: str):
    # force_zip64: the size is unknown until the end and may pass 2 GiB.
    return archive.open(name, "w", force_zip64=True)


def _write_chunks(archive: zipfile.ZipFile, name: str, chunks: Iterable[str]) -> None:
    with _open(archive, name) as out:
        for chunk in chunks:
            out.write(chunk.encode("utf-8"))


def _header(outline: Outline) -> dict:
    request, scope = outline.request, outline.scope
    sources = {t.source.key: t.source for t in outline.tables()}
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "request": {
            "reference": request.reference,
            "kind": request.kind,
            "regime": request.regime,
            "received_at": request.received_at,
            "services": list(scope.services),
            "categories": [c.value for c in scope.categories] if scope.limited_categories else [],
        },
        "generated_at": outline.generated_at,
        "language": scope.language,
        "company": CompanyContact().as_dict(),
        "categories": [
            {
                "code": part.category.value,
                "label": part.category.label,
                "purposes": part.purposes,
                "retention": [text for _label, text in part.retention],
            }
            for part in outline.categories
        ],
        "sources": [
            {
                "key": source.key,
                "label": source.label,
                "origin": source.origin,
                "retention": source.retention,
                "retention_text": _retention_text(source.retention, request.regime),
                "fields": [
                    {"name": f.name, "label": f.label, "category": f.category}
                    for f in scope.fields(source)
                ],
            }
            for source in sources.values()
        ],
        "services": {code: outline.service_name(code) for code in sorted(outline.services)},
        "recipients": [
            {
                "id": info.recipient.pk,
                "name": info.recipient.name,
                "kind": info.recipient.kind,
                "kind_text": info.recipient.get_kind_display(),
                "country": info.recipient.country,
                "purposes": info.purposes,
                "provision_records_about_you": info.provided,
                "provision_stopped": info.stopped,
                **_joint_use(info.recipient),
            }
            for info in outline.recipients
        ],
        "withheld": [
            {
                "data": part.data,
                "count": part.count,
                "ground": part.ground,
                "ground_text": part.ground_text,
            }
            for part in outline.withheld
        ],
        # CCPA regs §7024(d): each kind held, never its value.
        "held_not_disclosed": [
            {
                "kind": held.kind,
                "data": held.data,
                "reason": held.reason,
                **({"system": held.system} if held.system else {}),
            }
            for held in outline.held_not_disclosed
        ],
    }


def _joint_use(recipient) -> dict:
    """The published items of a joint use (APPI Art. 27(5)(iii)), for a joint user."""
    if not recipient.is_joint_use:
        return {}
    return {
        "joint_use": {
            "data": recipient.joint_items,
            "joint_users": recipient.joint_users,
            "purposes": [p.title for p in recipient.purposes.all() if p.is_active],
            "responsible": recipient.joint_manager,
        }
    }


def _retention_text(code: str, regime: str):
    # Under the request's own law: a statute of another regime's does not bind it.
    return registry.retention_text(code, regime=regime)


def _write_json(archive, name: str, outline: Outline, summary: PackageSummary, tables) -> None:
    scope = outline.scope
    with _open(archive, name) as out:

        def put(text: str) -> None:
            out.write(text.encode("utf-8"))

        put("{\n")
        for key, value in _header(outline).items():
            put(f"  {_dumps(key)}: {_dumps(value)},\n")
        put('  "records": [')
        summary.sources = write_records(out, outline, tables)
        put("\n  ],\n")
        if outline.shows_provision:
            put('  "provision_records": [')
            separator = "\n    "
            withheld = scope.withheld_ids(ProvisionRecord._meta.label_lower)
            for row in provision_rows(scope.subject, withheld=withheld):
                put(separator + _dumps(row))
                separator = ",\n    "
                summary.provision_records += 1
            put("\n  ],\n")
        counts = {part.category.value: part.count for part in outline.categories}
        put(f'  "counts": {_dumps(counts)},\n')
        put(f'  "total": {sum(summary.sources.values())}\n')
        put("}\n")
