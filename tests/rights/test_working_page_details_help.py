"""The "details" row of a request's working page says what it holds, as the row did
when it was the model's field: the person's own words (the row is now worked out, so
it can say when none were given)."""

from __future__ import annotations

import re

import pytest

from rights.services import request_submit

pytestmark = pytest.mark.django_db


def _details_row(page: str) -> str:
    row = re.search(r'class="[^"]*field-details_display[^"]*">(.*?)class="form-row', page, re.S)
    assert row, page
    return row[1]


@pytest.mark.parametrize(
    ("language", "help_text"),
    [("en", "The person's own words."), ("ja", "本人が記入した内容です。")],
)
def test_the_details_row_says_whose_words_it_holds(officer_client, customer, language, help_text):
    request = request_submit(
        subject=customer, requester=customer, kind="disclosure", details="Since 2020, please."
    )
    page = officer_client.get(
        f"/admin/rights/rightsrequest/{request.pk}/change/", HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    row = _details_row(page)
    assert "Since 2020, please." in row
    assert re.search(rf'<div class="help"[^>]*>\s*<div>{re.escape(help_text)}</div>', row), row
