"""rights.disclosure.tables: a batch of rows becomes CSV rows, column by column.

A column shown as stored goes to the csv module as read only while every
value in it is one the csv module writes as the package's text (text, None,
numbers, dates); any other value in the batch (a yes/no, a moment, a list)
sends the whole column through its converter.
"""

import csv
import datetime as dt
import decimal
import io
import zoneinfo

from django.utils import timezone, translation

from rights.disclosure.scope import Presenter
from rights.disclosure.tables import CsvTable, _TableWriter


def _write(batch, *, as_stored):
    with translation.override("en"), timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        presenter = Presenter()
        out = io.StringIO()
        target = CsvTable("csv/x.csv", out, csv.writer(out))
        width = len(batch[0]) - 2
        _TableWriter(
            target=target,
            positions=list(range(width)),
            converters=[lambda value, text=presenter.text: text(value)] * width,
            as_stored=as_stored,
            label=["Usage"],
            before=[""],
            after=["", ""],
            with_service=True,
            service_name={"mobile": "Smile Mobile"}.get,
        ).write(batch)
    assert target.rows == len(batch)
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_plain_columns_are_written_as_read_and_others_converted():
    moment = dt.datetime(2026, 12, 4, 13, 40, 54, 871594, tzinfo=dt.UTC)
    batch = [
        (1, "mobile", "text", None, 7, decimal.Decimal("1200.50"), dt.date(2026, 1, 2), moment),
        (2, "mobile", "", "x", 0, decimal.Decimal("0"), None, moment),
    ]
    rows = _write(batch, as_stored=[True] * 6)
    assert rows == [
        ["Usage", "Smile Mobile", "", "text", "", "7", "1200.50", "2026-01-02",
         "2026-12-04 22:40:54", "", ""],
        ["Usage", "Smile Mobile", "", "", "x", "0", "0", "", "2026-12-04 22:40:54", "", ""],
    ]  # fmt: skip


def test_a_yes_no_or_a_list_in_a_batch_converts_its_whole_column():
    batch = [(1, "mobile", True, "plain", ["a", "b"]), (2, "mobile", "text", "plain", "c")]
    rows = _write(batch, as_stored=[True, True, True])
    assert [row[3:6] for row in rows] == [["yes", "plain", '["a", "b"]'], ["text", "plain", "c"]]


def test_a_column_with_a_display_always_goes_through_its_converter():
    batch = [(1, "mobile", "app")]
    out = io.StringIO()
    target = CsvTable("csv/x.csv", out, csv.writer(out))
    _TableWriter(
        target=target,
        positions=[0],
        converters=[lambda value: {"app": "Application"}[value]],
        as_stored=[False],
        label=[],
        before=[],
        after=[],
        with_service=False,
        service_name=None,
    ).write(batch)
    assert out.getvalue().strip() == "Application"
