"""A consent record of a purpose used until the person stops it reads "use stopped" and
"use resumed" wherever the person reads it: "my data" and each file of a disclosure
package (report, CSV, data.json), in Japanese and English. A purpose that asks consent
keeps "granted" and "withdrawn".

Statistics ask no consent (APPI Art. 18(1): used within the published purposes;
GDPR Art. 21: the person objects): calling its stop a withdrawal of consent would
tell the person a consent had been given (GDPR Art. 7(1) proves real consents only).
"""

import csv
import html
import io
import json
import re

import pytest
from django.utils import translation

from consent import services
from consent.models import ConsentRecord
from tests.consent_support import my_data_table, purpose
from tests.rights.disclosure_support import package_in

pytestmark = pytest.mark.django_db

CONSENT_RECORD = "consent.consentrecord"
#: What each record reads, newest first, per purpose and language.
EXPECTED = {
    "ja": {"statistics": ["利用の再開", "利用の停止"], "marketing": ["撤回", "同意"]},
    "en": {"statistics": ["Use resumed", "Use stopped"], "marketing": ["Withdrawn", "Granted"]},
}
CAPTION = {"en": "Consent records", "ja": "同意の記録"}
ACTION = {"en": "action", "ja": "操作"}
PURPOSE = {"en": "purpose of use", "ja": "利用目的"}


@pytest.fixture
def records(customer):
    """Statistics stopped then resumed; marketing granted then withdrawn."""
    statistics, marketing = purpose("statistics"), purpose("marketing")
    for choices in (
        {statistics: False},
        {marketing: True},
        {statistics: True},
        {marketing: False},
    ):
        services.consent_update(
            subject=customer, choices=choices, method=ConsentRecord.Method.DASHBOARD
        )
    return customer


def _titles(language):
    with translation.override(language):
        return {code: purpose(code).title for code in ("statistics", "marketing")}


def _by_purpose(rows, language, purpose_at, action_at):
    """The actions of ``rows`` per purpose code, in the rows' order."""
    result = {code: [] for code in ("statistics", "marketing")}
    codes = {title: code for code, title in _titles(language).items()}
    for row in rows:
        if row[purpose_at] in codes:
            result[codes[row[purpose_at]]].append(row[action_at])
    return result


def _plain(cell):
    return html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()


# --- my data -----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ja", "en"])
def test_my_data_reads_an_opt_out_purposes_records_as_use_stopped_and_resumed(
    stepped_up_client, records, language
):
    stepped_up_client.cookies["django_language"] = language
    page = stepped_up_client.get("/my-data/")
    assert page.status_code == 200
    header, rows = my_data_table(page, CONSENT_RECORD)
    purpose_at = header.index(PURPOSE[language].capitalize())
    action_at = header.index(ACTION[language].capitalize())
    assert _by_purpose(rows, language, purpose_at, action_at) == EXPECTED[language]


# --- the disclosure package ----------------------------------------------------------


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_report_reads_them_as_the_page_does(records, language):
    archive = package_in(records, language)
    text = archive.read("report.html").decode()
    start = text.index(f'<caption class="visually-hidden">{CAPTION[language]}')
    table = text[start : text.index("</table>", start)]
    head, body = table.split("<tbody>")
    header = [_plain(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]
    body_rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    rows = [[_plain(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in body_rows]
    purpose_at = [h.casefold() for h in header].index(PURPOSE[language])
    action_at = [h.casefold() for h in header].index(ACTION[language])
    assert _by_purpose(rows, language, purpose_at, action_at) == EXPECTED[language]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_csv_reads_them_as_the_page_does(records, language):
    archive = package_in(records, language)
    header, *rows = csv.reader(io.StringIO(archive.read("csv/consent.csv").decode("utf-8-sig")))
    # Rows of other tables of the category name no purpose of these two.
    purpose_at = next(i for i, h in enumerate(header) if h.casefold().endswith(PURPOSE[language]))
    action_at = next(i for i, h in enumerate(header) if h.casefold().endswith(ACTION[language]))
    assert _by_purpose(rows, language, purpose_at, action_at) == EXPECTED[language]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_data_json_keeps_the_stored_code_and_gives_the_text_the_page_shows(records, language):
    archive = package_in(records, language)
    data = json.loads(archive.read("data.json"))
    ours = [r for r in data["records"] if r["source"] == CONSENT_RECORD]
    pks = {code: purpose(code).pk for code in ("statistics", "marketing")}
    for code, texts in EXPECTED[language].items():
        mine = [r for r in ours if r["values"]["purpose"] == pks[code]]
        assert [r["text"]["action"] for r in mine] == texts
    # The stored value stays the code: a machine reads the same "withdrawn" as before.
    statistics = [r for r in ours if r["values"]["purpose"] == pks["statistics"]]
    assert [r["values"]["action"] for r in statistics] == ["granted", "withdrawn"]
