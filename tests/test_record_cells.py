"""How a cell of a table of records may wrap when its table is short of room: the
class ``pd_cell`` gives it (``static/css/portal.css``). The browser test
``tests/e2e/test_my_data_width.py`` shows the tables fitting a laptop's screen."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from portal.kernel.templatetags.registry_tags import pd_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        # A date, a number or a short text: one line.
        (dt.date(2026, 12, 5), '<td class="pd-whole">5 Dec 2026</td>'),
        (1200, '<td class="pd-whole">1,200</td>'),
        (Decimal("12.5"), '<td class="pd-whole">12.5</td>'),
        ("Japanese", '<td class="pd-whole">Japanese</td>'),
        # A choice's label is its text ("Sign-up" is never split at its hyphen).
        (gettext_lazy("Sign-up"), '<td class="pd-whole">Sign-up</td>'),
        # Middling text: between words; long text: anywhere.
        ("Marketing and improving", "<td>Marketing and improving</td>"),
        ("x" * 25, f'<td class="pd-long">{"x" * 25}</td>'),
        # Text is escaped.
        ("<b>", '<td class="pd-whole">&lt;b&gt;</td>'),
    ],
)
def test_a_cell_says_how_it_may_wrap(value, cell):
    with translation.override("en"):
        assert pd_cell(value) == cell


@pytest.mark.parametrize(
    ("language", "zone", "cell"),
    [
        (
            "ja",
            "日本時間",
            '<td class="pd-when"><span>2026年12月5日</span> <span>20:35</span></td>',
        ),
        ("en", "JST", '<td class="pd-when"><span>5 Dec 2026,</span> <span>20:35</span></td>'),
    ],
)
def test_a_date_and_time_may_wrap_only_between_the_two(language, zone, cell):
    """Under a heading that names its zone (``zone``) the cell writes the time alone."""
    moment = dt.datetime(2026, 12, 5, 11, 35, tzinfo=dt.UTC)
    with translation.override(language), timezone.override("Asia/Tokyo"):
        assert pd_cell(moment, zone) == cell


@pytest.mark.parametrize(
    ("language", "cell"),
    [
        (
            "ja",
            '<td class="pd-when"><span>2026年12月5日</span> <span>20:35（日本時間）</span></td>',
        ),
        ("en", '<td class="pd-when"><span>5 Dec 2026,</span> <span>20:35 JST</span></td>'),
    ],
)
def test_a_time_whose_heading_names_no_zone_names_its_own_beside_the_time(language, cell):
    moment = dt.datetime(2026, 12, 5, 11, 35, tzinfo=dt.UTC)
    with translation.override(language), timezone.override("Asia/Tokyo"):
        assert pd_cell(moment) == cell
