"""A change of login address waiting for its link is shown on "my data" and in the
disclosure package only while one is pending: the new address and when it was
asked for. With none pending, neither says anything about it (no "new e-mail
address awaiting confirmation — not registered" row); the package's CSV and
data.json mark the two fields as not applying to the account, as they mark other
fields that do not apply to a record."""

import csv
import datetime as dt
import io
import json
import re

import pytest
import time_machine

from portal.accounts.services import email_change_request
from tests.rights.disclosure_support import package_in

pytestmark = pytest.mark.django_db

# 00:33 UTC on 6 December: 09:33 in Tokyo.
ASKED = dt.datetime(2026, 12, 6, 0, 33, tzinfo=dt.UTC)
NEW_ADDRESS = "hanako.new@example.org"
PENDING_LABEL = {
    "en": "New e-mail address awaiting confirmation",
    "ja": "確認待ちの新しいメールアドレス",
}
ASKED_LABEL = {"en": "Change of e-mail address asked at", "ja": "メールアドレス変更の申込日時"}
ASKED_TEXT = {"en": "6 Dec 2026, 09:33 JST", "ja": "2026年12月6日 09:33（日本時間）"}


def _items(page: str) -> dict[str, str]:
    """The account's list of items (term: description), as plain text."""
    items = {}
    for term, value in re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", page, re.S):
        items[re.sub(r"<[^>]+>", "", term).strip()] = re.sub(
            r"\s+", " ", re.sub(r"<[^>]+>", "", value)
        ).strip()
    return items


def _my_data(client, language):
    client.cookies["django_language"] = language
    return _items(client.get("/my-data/").content.decode())


def _pending(customer, capture):
    with time_machine.travel(ASKED, tick=False), capture(execute=True):
        email_change_request(user=customer, new_email=NEW_ADDRESS)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_my_data_says_nothing_of_a_new_address_when_no_change_is_pending(
    stepped_up_client, customer, language
):
    items = _my_data(stepped_up_client, language)
    assert {"en": "E-mail address", "ja": "メールアドレス"}[language] in items
    assert PENDING_LABEL[language] not in items
    assert ASKED_LABEL[language] not in items


@pytest.mark.parametrize("language", ["en", "ja"])
def test_my_data_shows_a_pending_address_and_when_it_was_asked_for(
    stepped_up_client, customer, language, django_capture_on_commit_callbacks
):
    _pending(customer, django_capture_on_commit_callbacks)
    items = _my_data(stepped_up_client, language)
    assert items[PENDING_LABEL[language]] == NEW_ADDRESS
    assert items[ASKED_LABEL[language]] == ASKED_TEXT[language]


def _report_items(archive):
    return _items(archive.read("report.html").decode())


def _account_json(archive):
    data = json.loads(archive.read("data.json"))
    (account,) = [r for r in data["records"] if r["source"] == "portal.user"]
    return account


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_report_lists_the_pending_change_as_my_data_does(
    customer, language, django_capture_on_commit_callbacks
):
    archive = package_in(customer, language)
    items = _report_items(archive)
    assert PENDING_LABEL[language] not in items and ASKED_LABEL[language] not in items
    account = _account_json(archive)
    assert {"email_change_to", "email_change_requested_at"} <= set(account["not_applicable"])

    _pending(customer, django_capture_on_commit_callbacks)
    archive = package_in(customer, language)
    items = _report_items(archive)
    assert items[PENDING_LABEL[language]] == NEW_ADDRESS
    assert items[ASKED_LABEL[language]] == ASKED_TEXT[language]
    account = _account_json(archive)
    assert account["values"]["email_change_to"] == NEW_ADDRESS
    assert account["values"]["email_change_requested_at"].startswith("2026-12-06")
    assert "email_change_to" not in account.get("not_applicable", [])


def test_the_csv_marks_the_pending_change_as_not_applying_when_there_is_none(customer):
    archive = package_in(customer, "en")
    rows = list(csv.reader(io.StringIO(archive.read("csv/contact.csv").decode("utf-8-sig"))))
    header, *records = rows
    account = next(
        dict(zip(header, row, strict=True)) for row in records if row[0] == "Login account"
    )
    pending = next(
        h for h in header if h.casefold().endswith("new e-mail address awaiting confirmation")
    )
    asked = next(h for h in header if h.casefold().endswith("change of e-mail address asked at"))
    assert account[pending] == account[asked] == "not applicable"
