"""A column that does not apply to a record reads "not applicable" in the disclosure
package as on "my data": the report with the page's words, the CSV with those
words in the customer's language, data.json with the field named under
``not_applicable`` beside its stored (empty) value."""

import csv
import html
import io
import json
import re

import pytest

from tests.consent_support import records_where_items_do_not_apply
from tests.factories import ServiceFactory, UsageRecordFactory
from tests.rights.disclosure_support import package_in

pytestmark = pytest.mark.django_db

NOT_APPLICABLE = {"en": "not applicable", "ja": "該当なし"}
NOT_REGISTERED = {"en": "not registered", "ja": "登録なし"}
CONSENT_RECORD = "consent.consentrecord"


@pytest.fixture
def records(customer, admin_user):
    return records_where_items_do_not_apply(customer, admin_user)


def _json_records(archive, source_key):
    data = json.loads(archive.read("data.json"))
    return [r for r in data["records"] if r["source"] == source_key]


def _csv(archive, name):
    return list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


def _report_rows(archive, caption):
    """The rows (cell texts, hidden labels included) of the report's table ``caption``."""
    text = archive.read("report.html").decode()
    start = text.index(f'<caption class="visually-hidden">{caption}')
    body = text[start : text.index("</table>", start)].split("<tbody>")[1]

    def plain(cell):
        return html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()

    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [[plain(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]


def test_data_json_names_the_fields_that_do_not_apply_and_keeps_the_stored_values(records):
    archive = package_in(records, "en")
    paper, policy, online = _json_records(archive, CONSENT_RECORD)[:3]
    assert policy["values"]["purpose"] is None
    assert policy["not_applicable"] == ["purpose"]
    assert online["not_applicable"] == ["policy_version"]
    assert paper["not_applicable"] == ["policy_version", "ip_address", "user_agent"]
    # An online record without a browser is missing it: not registered, not marked.
    assert online["values"]["user_agent"] == "" and "user_agent" not in online["not_applicable"]
    (stop,) = _json_records(archive, "consent.processingrestriction")
    assert stop["not_applicable"] == ["purpose"]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_csv_says_not_applicable_in_the_customers_language(records, language):
    archive = package_in(records, language)
    header, *rows = _csv(archive, "csv/consent.csv")
    label = {"en": "Consent records", "ja": "同意の記録"}[language]
    ours = [dict(zip(header, row, strict=True)) for row in rows if row[0] == label]
    paper, policy, online = ours[:3]
    browser = next(
        h for h in header if h.lower().endswith({"en": "browser", "ja": "ブラウザ"}[language])
    )
    purpose = next(
        h
        for h in header
        if h.lower().endswith({"en": "purpose of use", "ja": "利用目的"}[language])
    )
    assert policy[purpose] == NOT_APPLICABLE[language]
    assert paper[browser] == NOT_APPLICABLE[language]
    assert online[browser] == ""  # not registered, as before
    readme = archive.read("README.txt").decode()
    assert f"“{NOT_APPLICABLE[language]}”" in readme or f"「{NOT_APPLICABLE[language]}」" in readme


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_report_reads_a_cell_that_does_not_apply_as_the_page_does(records, language):
    archive = package_in(records, language)
    caption = {"en": "Consent records", "ja": "同意の記録"}[language]
    paper, policy, online = _report_rows(archive, caption)[:3]
    purpose, browser = 1, -1  # columns of consent/personal_data.py
    assert policy[purpose] == "—" + NOT_APPLICABLE[language]
    assert paper[browser] == "—" + NOT_APPLICABLE[language]
    assert online[browser] == "—" + NOT_REGISTERED[language]
    assert (
        'class="pd-none pd-na" aria-hidden="true">—</span>' in archive.read("report.html").decode()
    )


def test_a_source_without_such_a_rule_is_written_as_before(records):
    UsageRecordFactory(user=records, service=ServiceFactory(code="mobile"), detail="")
    archive = package_in(records, "en")
    (usage,) = _json_records(archive, "portal.usagerecord")
    assert "not_applicable" not in usage
    text = archive.read("csv/usage.csv").decode("utf-8-sig")
    assert NOT_APPLICABLE["en"] not in text


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_stop_that_names_no_recipient_reads_every_recipient_in_each_file(records, language):
    every = {"en": "every recipient", "ja": "すべての提供先"}[language]
    archive = package_in(records, language)
    (stop,) = _json_records(archive, "consent.processingrestriction")
    assert stop["values"]["recipient"] is None and stop["text"]["recipient"] == every
    assert stop["not_applicable"] == ["purpose"]

    header, *rows = _csv(archive, "csv/consent.csv")
    recipient = header.index({"en": "Recipient", "ja": "提供先"}[language])
    label = {"en": "Stops of use and of provision", "ja": "利用・提供の停止"}[language]
    (row,) = [row for row in rows if row[0] == label]
    assert row[recipient] == every

    caption = {"en": "Stops of use and of provision", "ja": "利用・提供の停止"}[language]
    (cells,) = _report_rows(archive, caption)
    assert every in cells and "—" + NOT_APPLICABLE[language] in cells
