"""Print the benchmark rows ``make bench`` collected as one Markdown table.

    python -m tests.bench.table [var/bench-results.jsonl]

Each row is a measurement next to its baseline from the same run, with the
load average when it was taken (the machine is shared, so figures are noisy).
"""

import json
import sys
from pathlib import Path

from tests.bench.results import RESULTS

HEADER = (
    "| benchmark | size | time (s) | baseline | baseline (s) | ratio | load (1/5/15 min) |\n"
    "|---|---:|---:|---|---:|---:|---|"
)


def table(path: Path) -> str:
    lines = [HEADER]
    if path.exists():
        for raw in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(raw)
            lines.append(
                f"| {row['bench']} | {row['size']:,} | {row['seconds']:.3f} | {row['baseline']} "
                f"| {row['baseline_seconds']:.3f} | {row['ratio']:.2f}× | {row['load']} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS))
