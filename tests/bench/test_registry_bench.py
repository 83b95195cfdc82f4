"""Benchmark: "my data" and the full stream for a subject with 10,000 and 100,000 records.

Run with ``make bench`` against PostgreSQL (``DATABASE_URL=postgres://...``).
For each size it reports wall time (median of several runs, without tracing)
and the peak of Python allocations (tracemalloc, in a separate run) for

* rendering ``/my-data/`` (the first page of every history), and reloading it
  with nothing changed (served from the cache: one counting query), and
* streaming every record of the subject through the registry into JSON lines,
  as a disclosure export would.

It fails when the peak memory at 100,000 records is not about the same as at
10,000: both must be flat in the number of records.
"""

import json
import os
import statistics
import time
import tracemalloc

import pytest
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY

from portal.kernel.registry import registry, view_cache_key
from portal.kernel.stepup import STEP_UP_SESSION_KEY, email_device_for
from tests.bench.support import load, machine, record, sizes, subject_with
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

SIZES = sizes("registry", "10000,100000")
RUNS = 5
# Peak memory at 100k may exceed the 10k peak by at most this factor (plus
# a little slack for allocator noise) to count as "not growing".
FLAT_FACTOR = 1.25
SLACK_BYTES = 256 * 1024


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("benchmarks run on PostgreSQL: set DATABASE_URL=postgres://...")


def _stepped_up(client, user):
    """A client past login and the code step, without sending a code."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = email_device_for(user).persistent_id
    session[STEP_UP_SESSION_KEY] = time.time()
    session.save()
    return client


def _reload(client):
    response = client.get("/my-data/")
    assert response.status_code == 200
    return len(response.content)


def _render(client, user):
    """The page rendered, not read from the cache of unchanged data."""
    cache.delete(view_cache_key(user.pk))
    return _reload(client)


def _stream(user):
    with open(os.devnull, "w", encoding="utf-8") as sink:
        count = 0
        for record in registry.stream(user):
            sink.write(json.dumps(record.values, cls=DjangoJSONEncoder, ensure_ascii=False))
            sink.write("\n")
            count += 1
    return count


def _measure(func, *args):
    func(*args)  # warm-up: connections, templates, translations
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = func(*args)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak, result


def test_my_data_and_stream_stay_flat_from_10k_to_100k_records(client):
    services = [ServiceFactory(code=code) for code in ("mobile", "video", "hikari")]
    rows = {}
    for size in SIZES:
        user = subject_with(size, services)
        _stepped_up(client, user)
        _render(client, user)  # first request of the session; caches filled
        with CaptureQueriesContext(connection) as queries:
            _render(client, user)
        query_count = len(queries)  # read now: the next request clears the log
        page_time, page_peak, page_bytes = _measure(_render, client, user)
        reload_time, _reload_peak, _bytes = _measure(_reload, client)
        stream_time, stream_peak, streamed = _measure(_stream, user)
        assert streamed >= size
        rows[size] = {
            "queries": query_count,
            "page_ms": page_time * 1000,
            "reload_ms": reload_time * 1000,
            "page_peak": page_peak,
            "page_kb": page_bytes / 1024,
            "streamed": streamed,
            "stream_s": stream_time,
            "stream_peak": stream_peak,
        }

    small, large = rows[SIZES[0]], rows[SIZES[-1]]
    record(
        "/my-data/ render",
        SIZES[-1],
        large["page_ms"] / 1000,
        f"same page at {SIZES[0]:,} records",
        small["page_ms"] / 1000,
    )
    record(
        "/my-data/ reload, nothing changed",
        SIZES[-1],
        large["reload_ms"] / 1000,
        f"same page rendered at {SIZES[-1]:,} records",
        large["page_ms"] / 1000,
    )
    print(f"\n\nMachine: {machine()}; load average {load()}")
    print(f"{'records':>10} {'queries':>8} {'page ms':>9} {'reload ms':>10} {'page peak':>10} "
          f"{'stream s':>9} {'rows/s':>9} {'stream peak':>12}")  # fmt: skip
    for size, r in rows.items():
        print(
            f"{size:>10,} {r['queries']:>8} {r['page_ms']:>9.1f} {r['reload_ms']:>10.1f} "
            f"{r['page_peak'] / 2**20:>8.2f} MiB {r['stream_s']:>9.2f} "
            f"{r['streamed'] / r['stream_s']:>9,.0f} {r['stream_peak'] / 2**20:>10.2f} MiB"
        )

    assert small["queries"] == large["queries"]
    for key in ("page_peak", "stream_peak"):
        assert large[key] <= small[key] * FLAT_FACTOR + SLACK_BYTES, (key, small[key], large[key])
