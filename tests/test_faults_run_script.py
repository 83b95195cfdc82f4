"""``tests/faults/run`` runs the whole of tests/faults, or only the paths given
(docs/operations.md, fault tests): rerunning one fault file after a fix must not
rerun the other sixteen minutes of them."""

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE = "tests/faults/test_file_key_rotation_kill.py"


def collected_modules(*args: str) -> set[str]:
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused"}
    run = subprocess.run(
        ["bash", "tests/faults/run", "--collect-only", "-p", "no:warnings", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return set(re.findall(r"<Module (test_\w+\.py)>", run.stdout))


def test_a_path_given_runs_only_that_path():
    assert collected_modules(ONE) == {"test_file_key_rotation_kill.py"}


def test_without_a_path_every_fault_file_runs():
    expected = {path.name for path in (ROOT / "tests/faults").glob("test_*.py")}
    assert collected_modules("-q") == expected
