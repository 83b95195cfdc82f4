"""The fault tests' marks stay on the fault tests.

A conftest's ``pytest_collection_modifyitems`` is handed every test of the run, not
only those of its directory. Run in one process with tests/faults, the legal-hold
tests of tests/rights were made transactional: their after-commit work, which they
hold back to place a hold before a call goes out, ran at once, and three of them
failed only in that company.
"""

from pathlib import Path

import pytest

from tests.faults import conftest as faults

TESTS = Path(__file__).resolve().parent


class _Collected:
    """What the hook reads and writes of a collected test: its path and its marks."""

    def __init__(self, path: Path):
        self.path = path
        self.marks = []

    def add_marker(self, mark) -> None:
        self.marks.append(mark)


def test_a_test_outside_tests_faults_keeps_its_own_database_marks():
    holds = _Collected(TESTS / "rights" / "test_connector_holds.py")
    faults.pytest_collection_modifyitems([holds])
    assert holds.marks == []


def test_a_fault_test_is_marked_and_commits():
    outage = _Collected(TESTS / "faults" / "test_connector_outage.py")
    faults.pytest_collection_modifyitems([outage])
    assert [mark.name for mark in outage.marks] == ["faults", "django_db"]
    assert outage.marks[1].kwargs == {"transaction": True, "serialized_rollback": True}


def test_a_path_that_only_looks_like_the_fault_directory_is_not_one():
    lookalike = _Collected(TESTS / "faults_notes" / "test_something.py")
    faults.pytest_collection_modifyitems([lookalike])
    assert lookalike.marks == []


@pytest.mark.django_db
def test_this_module_runs_in_a_rolled_back_transaction(request):
    """The hook sees this test too when tests/faults is collected in the same run."""
    marker = request.node.get_closest_marker("django_db")
    assert not marker.kwargs.get("transaction")
    assert request.node.get_closest_marker("faults") is None
