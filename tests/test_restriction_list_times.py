"""The staff list of stops of use and provision gives since and until when each
applies as a period of days in the reader's zone, named once in the column's
heading, as the queue does; a stop with no end says "no end date", as a hold does,
not "-"."""

import datetime as dt
import re

import pytest
import time_machine

from consent import services
from consent.models import ProcessingRestriction
from tests.consent_support import purpose

pytestmark = pytest.mark.django_db

# 00:33 UTC on 6 December: 09:33 in Tokyo.
AT = dt.datetime(2026, 12, 6, 0, 33, tzinfo=dt.UTC)
ENDS = dt.datetime(2036, 1, 10, 0, 33, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("language", "heading", "closed", "open_period"),
    [
        ("en", "In effect (JST)", "6 Dec 2026 – 10 Jan 2036", "6 Dec 2026 – no end date"),
        (
            "ja",
            "有効期間（日本時間）",
            "2026年12月6日 – 2036年1月10日",
            "2026年12月6日 – 終了日なし",
        ),
    ],
)
def test_the_restriction_list_names_its_zone_and_an_open_end(
    officer_client, customer, other_customer, language, heading, closed, open_period
):
    with time_machine.travel(AT, tick=False):
        for subject, ends_at in ((customer, ENDS), (other_customer, None)):
            services.restriction_create(
                subject=subject,
                scope=ProcessingRestriction.Scope.USE,
                purpose=purpose("marketing"),
                source=ProcessingRestriction.Source.STAFF,
                ends_at=ends_at,
            )
    officer_client.cookies["django_language"] = language
    page = officer_client.get("/admin/consent/processingrestriction/").content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert heading in text, text
    assert closed in text and open_period in text, text
