"""A legal hold placed without an end date (pending litigation: GDPR art. 17(3)(e),
APPI art. 35) says it has no end date where holds are listed and on its own page,
not a dash to nothing (「2026年12月6日 –」)."""

import datetime as dt
import re

import pytest
import time_machine

from rights.retention.holds.services import hold_place

from .retention_support import customer_with_records

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "open_end", "ends"),
    [("ja", "2026年12月6日 – 終了日なし", "2027年1月5日"), ("en", "– no end date", "5 Jan 2027")],
)
@time_machine.travel(dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC), tick=False)
def test_a_hold_without_an_end_date_says_so(officer_client, officer, language, open_end, ends):
    customer = customer_with_records()
    place = {"actor": officer, "legal_basis": "Court", "subject": customer}
    dated_hold = hold_place(reason="Audit", ends_on=dt.date(2027, 1, 5), **place)
    open_hold = hold_place(reason="Claim", **place)
    officer_client.cookies["django_language"] = language

    rows = _words(officer_client.get("/admin/rights/legalhold/").content.decode())
    # Newest first: the open hold's row, then the dated one's.
    assert re.search(rf"{open_hold} .*{open_end} .*{dated_hold} ", rows)
    assert f"– {ends}" in rows

    page = officer_client.get(f"/admin/rights/legalhold/{open_hold.pk}/change/")
    assert open_end.split("– ")[-1] in _words(page.content.decode())


def _words(html: str) -> str:
    """The text of some HTML, its tags dropped and its spaces run together."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
