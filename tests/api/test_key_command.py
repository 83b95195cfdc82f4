"""``manage.py api_key``: a key for a client, the client made first when it is new.

The docs' example names the scopes and services the key is for; when the client
already exists with others, a key made anyway would reach what the operator did
not ask for, so none is made and the command says what the client has.
"""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from portal.kernel.models import ApiClient, ApiKey, AuditEvent

pytestmark = pytest.mark.django_db


def _make_key(*args, **options) -> str:
    out = io.StringIO()
    call_command("api_key", *args, stdout=out, **options)
    return out.getvalue()


def test_a_new_client_is_made_with_the_scopes_and_services_given(service_a, service_b):
    out = _make_key("Call centre", scopes="requests:read", services="mobile,video")

    api_client = ApiClient.objects.get(name="Call centre")
    assert sorted(api_client.services.values_list("code", flat=True)) == ["mobile", "video"]
    assert "Services: mobile, video" in out and "Key: rp_" in out


def test_an_unknown_service_code_is_named_and_nothing_is_made(service_a):
    with pytest.raises(CommandError) as refused:
        _make_key("Fibre", scopes="requests:read", services="mobile,fibre")

    assert "fibre" in str(refused.value) and "mobile" not in str(refused.value)
    assert not ApiClient.objects.exists()


def test_an_existing_client_with_other_services_gets_no_key_and_is_told_what_it_has(
    service_a, service_b
):
    everything = ApiClient.objects.create(
        name="Call centre", owner="CC team", scopes=["requests:read"], all_services=True
    )

    with pytest.raises(CommandError) as refused:
        _make_key("Call centre", scopes="requests:read", services="mobile")

    assert "all services" in str(refused.value)
    assert not ApiKey.objects.filter(client=everything).exists()


def test_an_existing_client_with_other_scopes_gets_no_key(service_a):
    reader = ApiClient.objects.create(name="Call centre", owner="CC", scopes=["requests:read"])
    reader.services.set([service_a])

    with pytest.raises(CommandError) as refused:
        _make_key("Call centre", scopes="requests:read,requests:write", services="mobile")

    assert "requests:read" in str(refused.value)
    assert not ApiKey.objects.exists()


def test_an_existing_client_gets_a_key_as_it_is_when_nothing_else_is_asked(service_a):
    reader = ApiClient.objects.create(name="Call centre", owner="CC", scopes=["requests:read"])
    reader.services.set([service_a])

    out = _make_key("Call centre")
    again = _make_key("Call centre", scopes="requests:read", services="mobile")

    assert ApiKey.objects.filter(client=reader).count() == 2
    assert "(existing)" in out and "Services: mobile" in out and "Services: mobile" in again


def test_a_client_made_by_the_command_is_audited_as_one_made_in_the_admin(service_a):
    _make_key("Call centre", scopes="requests:read", services="mobile")

    api_client = ApiClient.objects.get(name="Call centre")
    created = AuditEvent.objects.get(action="api.client_created")
    assert created.target == f"portal.apiclient:{api_client.pk}"
    assert created.details["scopes"] == ["requests:read"]
    assert created.details["services"] == ["mobile"]
    _make_key("Call centre")
    assert AuditEvent.objects.filter(action="api.client_created").count() == 1


@pytest.mark.parametrize("services", ["all,mobile", "mobile,all"])
def test_all_services_mixed_with_service_codes_is_refused_and_nothing_is_made(service_a, services):
    """'all,mobile' is every service or mobile alone: neither is guessed."""
    with pytest.raises(CommandError) as refused:
        _make_key("Call centre", scopes="requests:read", services=services)

    assert "'all'" in str(refused.value) and "mobile" in str(refused.value)
    assert not ApiClient.objects.exists()


@pytest.mark.parametrize(
    ("services", "reach"),
    [
        ("all,all", "all services"),
        (" all ", "all services"),
        ("mobile, video", "mobile, video"),
        ("mobile,,video,", "mobile, video"),
    ],
)
def test_lists_are_read_as_an_operator_types_them(service_a, service_b, services, reach):
    """Spaces after commas, a doubled 'all' or an empty item change nothing."""
    out = _make_key("Call centre", scopes="requests:read, requests:write", services=services)

    api_client = ApiClient.objects.get(name="Call centre")
    assert sorted(api_client.scopes) == ["requests:read", "requests:write"]
    assert f"Services: {reach}" in out
    again = _make_key("Call centre", scopes="requests:write,requests:read", services=services)
    assert "(existing)" in again and ApiKey.objects.filter(client=api_client).count() == 2


def test_expires_gives_a_key_usable_to_the_end_of_that_day_in_the_portals_zone(service_a, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    out = _make_key("Call centre", scopes="requests:read", services="mobile", expires="2027-03-31")

    key = ApiKey.objects.get(client__name="Call centre")
    tokyo = ZoneInfo("Asia/Tokyo")
    assert key.expires_at == dt.datetime(2027, 4, 1, tzinfo=tokyo)
    assert key.is_usable(dt.datetime(2027, 3, 31, 23, 59, tzinfo=tokyo))
    assert not key.is_usable(dt.datetime(2027, 4, 1, tzinfo=tokyo))
    assert "Expires: at the end of 2027-03-31 (refused from 2027-04-01 00:00 JST)" in out
    created = AuditEvent.objects.get(action="api.key_created")
    assert created.details["expires_at"] == "2027-04-01T00:00:00+09:00"


def test_without_expires_the_key_does_not_expire(service_a):
    out = _make_key("Call centre", scopes="requests:read", services="mobile")

    assert ApiKey.objects.get().expires_at is None
    assert "Expires: never (set a day with --expires, or in the admin)" in out


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("2020-01-31", "2020-01-31 is past"),
        ("31/03/2027", "--expires takes a day written YYYY-MM-DD"),
        ("2027-02-30", "--expires takes a day written YYYY-MM-DD"),
        ("", "--expires takes a day written YYYY-MM-DD"),
    ],
)
def test_a_past_or_malformed_expiry_is_refused_and_nothing_is_made(service_a, given, said):
    with pytest.raises(CommandError) as refused:
        _make_key("Call centre", scopes="requests:read", services="mobile", expires=given)

    assert said in str(refused.value)
    assert not ApiClient.objects.exists()
    assert not ApiKey.objects.exists()
    assert not AuditEvent.objects.exists()


def test_an_expiry_of_yesterday_is_refused_for_an_existing_client(service_a, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    reader = ApiClient.objects.create(name="Call centre", owner="CC", scopes=["requests:read"])
    reader.services.set([service_a])
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()

    with pytest.raises(CommandError) as refused:
        _make_key("Call centre", expires=yesterday)

    assert f"{yesterday} is past" in str(refused.value)
    assert not ApiKey.objects.exists()


def test_an_expiry_of_today_gives_a_key_usable_until_midnight(service_a, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    today = timezone.localdate()

    _make_key("Call centre", scopes="requests:read", services="mobile", expires=today.isoformat())

    key = ApiKey.objects.get()
    assert key.is_usable()
    assert timezone.localtime(key.expires_at).date() == today + dt.timedelta(days=1)
