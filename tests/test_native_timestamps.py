"""portal.kernel.db.native_timestamps: the fast reading of timestamps, the same moments.

A disclosure package streams millions of timestamps; inside
``native_timestamps`` PostgreSQL's text is read by ``datetime.fromisoformat``
instead of Django's loader. Every value must come out as Django's loader gives
it (the same moment, in UTC), what the standard parser cannot read must fail as
it did, and the connection must read with Django's loader again afterwards.
"""

import datetime as dt

import pytest
from django.db import DataError, connection
from psycopg.pq import Format

from portal.kernel.db import TIMESTAMPTZ_OID, native_timestamps

pytestmark = pytest.mark.django_db

TEXTS = [
    "2026-12-04 13:40:54.871594+00",
    "2026-12-04 13:40:54+00",
    "2026-12-04 22:40:54.5+09",
    "2026-03-29 01:30:00+05:30",
    "1969-12-31 23:59:59.999999-08",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the loader is psycopg's")


def _read(texts):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS x(t, n) ORDER BY n",
            [texts],
        )
        return [row[0] for row in cursor.fetchall()]


def _loader():
    return connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


def test_inside_the_values_are_the_moments_djangos_loader_gives_in_utc():
    expected = _read(TEXTS)
    with native_timestamps():
        assert _loader().__name__ == "IsoTimestamptzLoader"
        read = _read(TEXTS)
    assert read == expected
    assert [value.isoformat() for value in read] == [value.isoformat() for value in expected]
    assert all(value.tzinfo is dt.UTC for value in read)


def test_server_side_cursors_made_inside_read_through_it():
    """Django's cursors keep the connection's loader when its time zone is theirs."""
    with native_timestamps():
        cursor = connection.chunked_cursor()
        try:
            loader = cursor.cursor.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        finally:
            cursor.close()
    assert loader.__name__ == "IsoTimestamptzLoader"


def test_what_the_iso_parser_cannot_read_fails_as_before():
    with pytest.raises(DataError) as before:
        _read(["infinity"])
    with native_timestamps(), pytest.raises(DataError) as inside:
        _read(["infinity"])
    assert type(inside.value.__cause__) is type(before.value.__cause__)
    # A date before Christ: Django's loader reads it or refuses it the same way inside.
    try:
        outside = _read(["0001-01-01 00:00:00+00 BC"])
    except DataError:
        with native_timestamps(), pytest.raises(DataError):
            _read(["0001-01-01 00:00:00+00 BC"])
    else:
        with native_timestamps():
            assert _read(["0001-01-01 00:00:00+00 BC"]) == outside


def test_the_connections_own_loader_is_back_after_even_on_an_error():
    own = _loader()
    with native_timestamps():
        pass
    assert _loader() is own
    with pytest.raises(RuntimeError), native_timestamps():
        raise RuntimeError
    assert _loader() is own
