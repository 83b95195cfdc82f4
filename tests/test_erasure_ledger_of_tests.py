"""The tests' erasures never reach the erasure ledger file of the checkout they run in.

`var/erasure-ledger.jsonl` is the ledger of the portal installed in the checkout
(`make run`, `make serve`); `reapply_erasures` adds its entries after a restore.
A test run in one process (TEST_WORKERS=0, or pytest on one file) wrote its
erasures there: customer ids and key ranges of the test database, which a replay
would apply to the real one (APPI art. 35 / GDPR art. 17 replay after a restore).
"""

from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def test_the_ledger_file_of_a_test_run_is_not_the_checkouts():
    ledger = Path(settings.RIGHTS_ERASURE_LEDGER_FILE).resolve()
    assert ledger != (ROOT / "var" / "erasure-ledger.jsonl").resolve()
    assert ROOT not in ledger.parents
