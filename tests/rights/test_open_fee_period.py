"""A published fee with no last day (in force until a new amount replaces it, APPI
art. 38) says it has no end date where fee schedules are listed and on a schedule's
page read without the right to change it, as a hold without an end date does, not a
dash to nothing (「2024年4月1日 –」)."""

import datetime as dt
import re

import pytest

from rights.choices import Kind
from tests.conftest import admin_login

from .fee_support import publish

pytestmark = pytest.mark.django_db

LIST = "/admin/rights/feeschedule/"


def _words(html: str) -> str:
    """The text of some HTML, its tags dropped and its spaces run together."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize(
    ("language", "open_period", "closed_period"),
    [
        ("ja", "2024年4月1日 – 終了日なし", "2023年4月1日 – 2024年3月31日"),
        ("en", "1 Apr 2024 – no end date", "1 Apr 2023 – 31 Mar 2024"),
    ],
)
def test_the_schedule_list_says_a_fee_has_no_end_date(
    officer_client, language, open_period, closed_period
):
    publish(kind=Kind.DISCLOSURE)
    publish(
        kind=Kind.DISCLOSURE,
        amount=800,
        effective_from=dt.date(2023, 4, 1),
        effective_until=dt.date(2024, 3, 31),
    )
    officer_client.cookies["django_language"] = language
    rows = _words(officer_client.get(LIST).content.decode())
    assert open_period in rows
    assert closed_period in rows


@pytest.mark.parametrize(("language", "open_end"), [("ja", "終了日なし"), ("en", "no end date")])
def test_a_schedule_read_without_the_right_to_change_it_says_it_has_no_end(
    client, handler, language, open_end
):
    schedule = publish(kind=Kind.DISCLOSURE)
    admin_login(client, handler)
    client.cookies["django_language"] = language
    response = client.get(f"{LIST}{schedule.pk}/change/")
    assert response.status_code == 200
    page = _words(response.content.decode())
    label = {"ja": "適用終了日", "en": "Effective until"}[language]
    assert re.search(rf"{label}[:：] {open_end}", page), page[page.find(label) - 80 :][:300]
