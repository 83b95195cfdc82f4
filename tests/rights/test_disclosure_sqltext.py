"""On PostgreSQL the package has the database write the records' text (``sqltext``);
the files must be those of the Python path to the byte, whatever the values hold.

Each test builds the same request's package twice, with the fast path and without
it (``sqltext.plan`` returning None), and compares data.json and every CSV.
"""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.db import connection

from portal.kernel.encryption import encrypt
from portal.records.models import UsageRecord
from rights.choices import Kind
from rights.disclosure import sqltext
from rights.disclosure.package import write_package
from rights.services import request_submit
from tests.bench.support import subject_with
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

AWKWARD = [
    "",
    'comma, "quoted"',
    "two\nlines\r\nand a\ttab",
    "back\\slash \\N \\n",
    "control \x01\x1f and é 東京",
    " leading and trailing ",
]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")


def _files(request, *, fast: bool, monkeypatch) -> dict[str, bytes]:
    if not fast:
        monkeypatch.setattr(sqltext, "plan", lambda *args, **kwargs: None)
    used = []
    real_write = sqltext.Plan.write
    monkeypatch.setattr(
        sqltext.Plan, "write", lambda self, *a, **k: used.append(1) or real_write(self, *a, **k)
    )
    buffer = io.BytesIO()
    write_package(request, buffer)
    monkeypatch.undo()
    assert bool(used) == fast
    archive = zipfile.ZipFile(buffer)
    files = {n: archive.read(n) for n in archive.namelist() if n.startswith("csv/")}
    data = json.loads(archive.read("data.json"))
    data.pop("generated_at")
    files["data.json"] = json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
    # The records as written, byte for byte (key order and separators included).
    text = archive.read("data.json").decode()
    files["records"] = text[text.index('"records"') : text.index('"counts"')].encode()
    return files


def _awkward_history(user, services):
    base = dt.datetime(2026, 3, 29, 0, 59, 59, tzinfo=dt.UTC)
    fractions = [0, 1, 999, 1000, 123456, 999999, 500000]
    records = [
        UsageRecord(
            user=user,
            service=services[n % len(services)],
            occurred_at=base - dt.timedelta(minutes=37 * n, microseconds=fractions[n % 7]),
            activity=["view", "login", "purchase"][n % 3],
            detail=AWKWARD[n % len(AWKWARD)],
            channel=["app", "web"][n % 2],
            ip_address=[None, "198.51.100.7", "2001:db8::1"][n % 3],
        )
        for n in range(60)
    ]
    UsageRecord.objects.bulk_create(records)
    # Codes outside the choices are shown as stored, as the Python path shows them.
    UsageRecord.objects.filter(pk=records[0].pk).update(
        activity="other,code", channel='x"\x01\\\n\té'
    )


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_fast_path_writes_the_python_paths_files(language, monkeypatch):
    """GDPR Art. 20, APPI Art. 33(1): every record and every text the same, however
    the database hands them over."""
    services = [
        ServiceFactory(code="mobile", name='スマイル, "モバイル"'),
        ServiceFactory(code="video", name="ビデオ"),
    ]
    user = subject_with(500, services)
    user.language = language
    user.save(update_fields=["language"])
    _awkward_history(user, services)
    request = request_submit(subject=user, requester=user, kind=Kind.DISCLOSURE)
    request.time_zone = "America/St_Johns"  # a half-hour offset and its own DST rules
    request.save(update_fields=["time_zone"])
    fast = _files(request, fast=True, monkeypatch=monkeypatch)
    slow = _files(request, fast=False, monkeypatch=monkeypatch)
    assert fast.keys() == slow.keys()
    for name in slow:
        assert fast[name] == slow[name], name
    assert "東京" in fast["csv/usage.csv"].decode("utf-8-sig")


def test_a_request_for_some_services_keeps_to_them_on_the_fast_path(monkeypatch):
    """APPI Art. 33(1): a request limited to services discloses their records only."""
    services = [ServiceFactory(code="mobile"), ServiceFactory(code="video")]
    user = subject_with(300, services)
    request = request_submit(subject=user, requester=user, kind=Kind.DISCLOSURE)
    request.services.set([services[1]])
    fast = _files(request, fast=True, monkeypatch=monkeypatch)
    slow = _files(request, fast=False, monkeypatch=monkeypatch)
    assert fast == slow
    usage = json.loads(fast["data.json"])["counts"]["usage"]
    assert usage == 150


def test_a_package_with_an_encrypted_empty_or_missing_detail(monkeypatch):
    services = [ServiceFactory(code="mobile")]
    user = subject_with(3, services)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {UsageRecord._meta.db_table} SET detail = %s WHERE user_id = %s",
            [encrypt('a\\b\t"c"'), user.pk],
        )
    request = request_submit(subject=user, requester=user, kind=Kind.DISCLOSURE)
    assert _files(request, fast=True, monkeypatch=monkeypatch) == _files(
        request, fast=False, monkeypatch=monkeypatch
    )
