"""The disclosure package's CSV is the rows PostgreSQL's own COPY writes for the same records.

The package reads each source through the registry with large fetches and
turns values into text with one converter per column; whatever the path, a
usage history's table must hold exactly the rows, in the same order and with
the same texts, that a ``COPY ... TO STDOUT`` of the same rows gives. The CSV
holds texts, not stored codes: the labels of choices, and the words of a consent
record's action by its purpose's basis, which a COPY reads from the row's purpose.
"""

import csv
import io
import zipfile

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

from consent import services
from consent.models import ConsentRecord, Purpose
from portal.kernel.encryption import decrypt
from portal.kernel.models import Service
from portal.records.models import UsageRecord
from rights.choices import Kind
from rights.disclosure.package import write_package
from rights.services import request_submit
from tests.bench.support import subject_with
from tests.consent_support import purpose
from tests.factories import ServiceFactory
from tests.rights.disclosure_support import package_in

pytestmark = pytest.mark.django_db


def _labels(column: str, choices) -> tuple[str, list[str]]:
    """A CASE turning a code into its label in the active language."""
    params = []
    cases = []
    for value, label in choices:
        cases.append("WHEN %s THEN %s")
        params += [value, str(label)]
    return f"CASE {column} {' '.join(cases)} ELSE {column} END", params


def _copy_rows(user) -> list[list[str]]:
    activity, activity_params = _labels("u.activity", UsageRecord.Activity.choices)
    channel, channel_params = _labels("u.channel", UsageRecord.Channel.choices)
    sql = f"""
        COPY (
            SELECT s.name,
                   to_char(u.occurred_at AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI:SS'),
                   {activity}, u.detail, {channel}, host(u.ip_address)
            FROM {UsageRecord._meta.db_table} u
            JOIN {Service._meta.db_table} s ON s.id = u.service_id
            WHERE u.user_id = %s
            ORDER BY u.service_id, u.occurred_at DESC, u.id DESC
        ) TO STDOUT (FORMAT csv)
    """
    params = [settings.TIME_ZONE, *activity_params, *channel_params, user.pk]
    out = io.BytesIO()
    with connection.connection.cursor() as cursor, cursor.copy(sql, params) as copy:
        for data in copy:
            out.write(data)
    return list(csv.reader(io.StringIO(out.getvalue().decode("utf-8"))))


def test_the_usage_csv_equals_a_copy_of_the_same_rows():
    """GDPR Art. 20, APPI Art. 33(1): every record, as stored, in a table; nothing
    lost or reordered on the way from the database to the file."""
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    services = [
        ServiceFactory(code="mobile", name="スマイルモバイル"),
        ServiceFactory(code="video", name="スマイルビデオ"),
    ]
    user = subject_with(3_000, services)
    user.language = "ja"
    user.save(update_fields=["language"])
    request = request_submit(subject=user, requester=user, kind=Kind.DISCLOSURE)

    buffer = io.BytesIO()
    write_package(request, buffer)
    archive = zipfile.ZipFile(buffer)
    table = list(csv.reader(io.StringIO(archive.read("csv/usage.csv").decode("utf-8-sig"))))
    header, rows = table[0], table[1:]
    assert header == ["サービス", "日時", "利用内容", "詳細", "経路", "IPアドレス"], header

    with translation.override("ja"):
        copied = _copy_rows(user)
    # The detail is encrypted at rest: COPY gives the stored token, the package its text.
    expected = [[*row[:3], decrypt(row[3]), *row[4:]] for row in copied]
    assert len(rows) == len(expected) == 3_000
    assert rows == expected

    # A table this long is not listed in the report: it says so, with the count.
    report = archive.read("report.html").decode("utf-8")
    assert "この3,000件の記録は多すぎてこの報告書では読めないため" in report
    assert "csv/usage.csv" in report and "東京の夜" not in report
    readme = archive.read("README.txt").decode("utf-8")
    assert "東京の夜" in table[1][3] and readme.count("3,000") == 1


def test_the_consent_csv_reads_each_action_by_its_purpose_as_a_copy_does(customer):
    """APPI Art. 33(1), GDPR Art. 20: the CSV holds the texts, not the codes, for an
    action whose words depend on its row too: a COPY turning each action into its
    words by the purpose's basis (a purpose used until stopped: "use stopped",
    "use resumed"; one that asks consent: "withdrawn", "granted") gives the same rows."""
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    statistics, marketing = purpose("statistics"), purpose("marketing")
    for turn in range(12):
        services.consent_update(
            subject=customer,
            choices={statistics: turn % 2 == 1, marketing: turn % 2 == 0},
            method=ConsentRecord.Method.DASHBOARD,
        )
    archive = package_in(customer, "ja")
    header, *rows = csv.reader(io.StringIO(archive.read("csv/consent.csv").decode("utf-8-sig")))
    time, action = header.index("日時"), header.index("操作")

    with translation.override("ja"):
        labels, params = _labels("c.action", ConsentRecord.Action.choices)
        sql = f"""
            COPY (
                SELECT to_char(c.created_at AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI:SS'),
                       CASE WHEN p.is_opt_out AND c.action = 'withdrawn' THEN %s
                            WHEN p.is_opt_out AND c.action = 'granted' THEN %s
                            ELSE {labels} END
                FROM {ConsentRecord._meta.db_table} c
                LEFT JOIN {Purpose._meta.db_table} p ON p.id = c.purpose_id
                WHERE c.subject_id = %s
                ORDER BY c.created_at DESC, c.id DESC
            ) TO STDOUT (FORMAT csv)
        """
        params = [settings.TIME_ZONE, "利用の停止", "利用の再開", *params, customer.pk]
        out = io.BytesIO()
        with connection.connection.cursor() as cursor, cursor.copy(sql, params) as copy:
            for data in copy:
                out.write(data)
    copied = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8"))))
    assert len(copied) == len(rows) == 24
    assert [[row[time], row[action]] for row in rows] == copied
    assert {row[1] for row in copied} == {"利用の停止", "利用の再開", "同意", "撤回"}
