"""Benchmark: the disclosure package of a customer with 10,000 and 100,000 usage records.

Run with ``make bench`` against PostgreSQL (``DATABASE_URL=postgres://...``);
``BENCH_DISCLOSURE_SIZES=1000,10000`` chooses other sizes. For each size it
builds the whole zip (report.html, data.json, a CSV per category) into a
temporary file with ``write_package`` and reports

* wall time, the median of several builds without tracing, against its
  baseline in the same run: ``COPY (SELECT <declared fields> ...) TO STDOUT``
  of every model source's rows of the customer, as CSV, deflated at the
  package's level — the least any export of the same rows costs. The ratio
  (baseline time / build time) is the table's figure; the goal is 0.3;
* a second baseline, the first plus opening every encrypted value of the
  same rows (the usage details are encrypted at rest, and COPY hands over
  their tokens): the least an export of readable values costs;
* the peak of Python allocations during one build (tracemalloc);
* the process's peak resident set size (``ru_maxrss``) before and after the
  builds of that size: a package held in memory would raise it by its size.

It fails when the tracemalloc peak at 100,000 records is not about the same
as at 10,000, or when the resident peak grows by more than a few MiB while
the 100,000-record packages are built: memory must not depend on the number
of records.
"""

import os
import resource
import statistics
import tempfile
import time
import tracemalloc
import zlib

import pytest
from django.db import connection

from portal.kernel import encryption
from portal.kernel.fields import encrypted_fields
from portal.kernel.registry import ModelSource, registry
from rights.choices import Kind
from rights.disclosure.package import COMPRESS_LEVEL, write_package
from rights.services import request_submit
from tests.bench.support import load, machine, record, sizes, subject_with
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

SIZES = sizes("disclosure", "10000,100000")
TARGET_RATIO = 0.3
RUNS = 3
# The 100k peak may exceed the 10k peak by at most this factor (plus a little
# slack for allocator noise) to count as "not growing".
FLAT_FACTOR = 1.25
SLACK_BYTES = 256 * 1024
# Growth of the resident peak allowed while building the 100k packages (the
# 100k zip is about 10 MiB compressed and 40 MiB uncompressed).
RSS_SLACK_KIB = 8 * 1024


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("benchmarks run on PostgreSQL: set DATABASE_URL=postgres://...")


def _build(request):
    with tempfile.TemporaryFile() as out:
        summary = write_package(request, out)
        return summary, out.tell()


def _copy_deflate(user) -> int:
    """The baseline: every model source's rows of ``user`` by COPY, deflated; its size."""
    compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
    size = 0
    with connection.connection.cursor() as cursor:
        for source in registry.sources():
            if not isinstance(source, ModelSource):
                continue
            rows = source.queryset(user).values_list(*[f.name for f in source.fields])
            sql, params = rows.query.sql_with_params()
            with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
                for data in copy:
                    size += len(compressor.compress(data))
    return size + len(compressor.flush())


def _open_encrypted(user) -> int:
    """Open every encrypted value of the same rows, read by a plain cursor: what an
    export of readable values costs on top of the baseline. Returns the count."""
    opened = 0
    with connection.connection.cursor() as cursor:
        for source in registry.sources():
            if not isinstance(source, ModelSource):
                continue
            declared = {f.name for f in source.fields}
            names = [f.name for f in encrypted_fields(source.model) if f.name in declared]
            if not names:
                continue
            sql, params = source.queryset(user).values_list(*names).query.sql_with_params()
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(10_000):
                for row in rows:
                    for token in row:
                        if token:
                            encryption.decrypt(token)
                            opened += 1
    return opened


def _copy_deflate_open(user) -> int:
    _copy_deflate(user)
    return _open_encrypted(user)


def _median_seconds(func, *args) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _max_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def test_disclosure_package_memory_stays_flat_from_10k_to_100k_records():
    services = [ServiceFactory(code=code) for code in ("mobile", "video", "hikari")]
    rows = {}
    for size in SIZES:
        user = subject_with(size, services)
        request = request_submit(subject=user, requester=user, kind=Kind.DISCLOSURE)
        _build(request)  # warm-up: connections, templates, translations
        rss_before = _max_rss_kib()
        seconds = _median_seconds(_build, request)
        rss_after = _max_rss_kib()
        summary, zip_bytes = _build(request)
        _copy_deflate(user)
        baseline = _median_seconds(_copy_deflate, user)
        floor = _median_seconds(_copy_deflate_open, user)
        tracemalloc.start()
        tracemalloc.reset_peak()
        _build(request)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert summary.counts["usage"] == size
        rows[size] = {
            "records": summary.total,
            "seconds": seconds,
            "baseline": baseline,
            "ratio": record("disclosure package", size, seconds, "COPY+deflate", baseline),
            "floor": floor,
            "floor_ratio": record(
                "disclosure package", size, seconds, "COPY+deflate, encrypted values opened", floor
            ),
            "peak": peak,
            "rss_before": rss_before,
            "rss_growth": rss_after - rss_before,
            "zip_mib": zip_bytes / 2**20,
        }

    print(f"\n\nMachine: {machine()}; load average {load()}")
    print(f"{'usage':>8} {'records':>8} {'build s':>8} {'COPY s':>7} {'ratio':>6} "
          f"{'+open s':>8} {'ratio':>6} {'rec/s':>8} "
          f"{'zip MiB':>8} {'py peak':>10} {'maxrss':>10} {'rss growth':>11}")  # fmt: skip
    for size, r in rows.items():
        print(
            f"{size:>8,} {r['records']:>8,} {r['seconds']:>8.2f} {r['baseline']:>7.2f} "
            f"{r['ratio']:>6.2f} {r['floor']:>8.2f} {r['floor_ratio']:>6.2f} "
            f"{r['records'] / r['seconds']:>8,.0f} {r['zip_mib']:>8.2f} "
            f"{r['peak'] / 2**20:>6.2f} MiB {r['rss_before'] / 1024:>6.0f} MiB "
            f"{r['rss_growth'] / 1024:>7.1f} MiB"
        )

    small, large = rows[SIZES[0]], rows[SIZES[1]]
    assert large["peak"] <= small["peak"] * FLAT_FACTOR + SLACK_BYTES, (small, large)
    assert large["rss_growth"] <= RSS_SLACK_KIB, large
    if os.environ.get("BENCH_STRICT"):
        assert large["ratio"] >= TARGET_RATIO, large
