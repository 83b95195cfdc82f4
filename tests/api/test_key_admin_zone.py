"""The admin's API keys give their times in the reader's zone and say which: a key's
expiry is typed and read there, and "expires at 1 Apr 2027, 00:00" alone does not
say whether that is midnight in Tokyo or somewhere else."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from portal.kernel.api.auth import api_key_create, api_key_revoke
from portal.kernel.models import ApiClient, ApiKey

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def key():
    client = ApiClient.objects.create(name="Call centre", owner="CC", scopes=["requests:read"])
    row, _key = api_key_create(client=client, expires_at=dt.datetime(2027, 4, 1, tzinfo=TOKYO))
    api_key_revoke(key=row)
    ApiKey.objects.filter(pk=row.pk).update(
        last_used_at=dt.datetime(2027, 1, 5, 9, 30, tzinfo=TOKYO)
    )
    return row


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_key_list_names_the_zone_of_its_times_in_the_headings(officer_client, key):
    text = _text(officer_client.get("/admin/portal/apikey/", HTTP_ACCEPT_LANGUAGE="en"))
    for heading in ("expires at", "revoked at", "last used at"):
        assert re.search(rf"{heading} \(JST\)", text, re.I), heading
    assert "1 Apr 2027, 00:00" in text and "5 Jan 2027, 09:30" in text


def test_the_key_list_names_the_zone_in_japanese(officer_client, key):
    text = _text(officer_client.get("/admin/portal/apikey/", HTTP_ACCEPT_LANGUAGE="ja"))
    assert "（日本時間）" in text


def test_a_keys_page_names_the_zone_its_times_are_typed_and_read_in(officer_client, key):
    text = _text(
        officer_client.get(f"/admin/portal/apikey/{key.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    )
    for label in ("expires at", "revoked at", "last used at"):
        assert re.search(rf"{label} \(JST\)", text, re.I), label
    assert "5 Jan 2027, 09:30" in text


def test_the_clients_page_names_the_zone_of_its_keys_times(officer_client, key):
    text = _text(
        officer_client.get(
            f"/admin/portal/apiclient/{key.client_id}/change/", HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    for label in ("created at", "expires at", "revoked at"):
        assert re.search(rf"{label} \(JST\)", text, re.I), label


def test_the_expirys_day_and_time_boxes_each_carry_their_label_with_the_zone(officer_client, key):
    """The expiry is typed in two boxes, a day and a time; the one label on the line
    names neither, so each box says what it takes, and in which zone."""
    page = officer_client.get(f"/admin/portal/apikey/{key.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    day = re.search(r'<input[^>]*name="expires_at_0"[^>]*>', html).group(0)
    time = re.search(r'<input[^>]*name="expires_at_1"[^>]*>', html).group(0)
    assert 'aria-label="Expires at (JST): date"' in day
    assert 'aria-label="Expires at (JST): time"' in time


def test_the_expirys_boxes_are_labelled_in_japanese(officer_client, key):
    page = officer_client.get(f"/admin/portal/apikey/{key.pk}/change/", HTTP_ACCEPT_LANGUAGE="ja")
    html = page.content.decode()
    assert 'aria-label="有効期限（日本時間）：日付"' in html
    assert 'aria-label="有効期限（日本時間）：時刻"' in html
