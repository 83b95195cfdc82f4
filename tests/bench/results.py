"""The rows of the benchmark table: each measurement with its baseline from the same run.

Plain Python (no Django), so the load test's driver, which runs outside the
portal's processes, records its rows the same way as the pytest benchmarks.
"""

import json
import os
import time
from pathlib import Path

#: Where each benchmark appends its rows; ``make bench`` prints them as one table
#: (``python -m tests.bench.table``) and empties the file first.
RESULTS = Path(os.environ.get("BENCH_RESULTS", "var/bench-results.jsonl"))


def sizes(name: str, default: str) -> tuple[int, ...]:
    """Sizes of a benchmark from the environment (``BENCH_<NAME>_SIZES=1000,100000``)."""
    raw = os.environ.get(f"BENCH_{name.upper()}_SIZES", default)
    return tuple(int(part.replace("_", "")) for part in raw.split(",") if part.strip())


def load() -> str:
    """The load average of the last 1, 5 and 15 minutes: the machine is shared."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def record(bench: str, size: int, seconds: float, baseline: str, baseline_seconds: float) -> float:
    """One row of the table: a measurement and its baseline from the same run.

    The ratio is baseline time / measured time: 1.0 is as fast as the
    baseline, 0.3 takes three times as long. Returns the ratio.
    """
    ratio = baseline_seconds / seconds if seconds else 0.0
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as out:
        row = {
            "bench": bench,
            "size": size,
            "seconds": round(seconds, 4),
            "baseline": baseline,
            "baseline_seconds": round(baseline_seconds, 4),
            "ratio": round(ratio, 3),
            "load": load(),
            "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        }
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return ratio
