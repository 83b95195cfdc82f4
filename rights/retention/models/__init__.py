"""Models of retention, in the ``rights`` app (imported by :mod:`rights.models`).

* :mod:`.rules`: retention rules and what starts their period;
* :mod:`.holds`: legal holds placed by staff;
* :mod:`.erasures`: the steps of a deletion and account closures;
* :mod:`.runs`: runs of the scheduled retention jobs;
* :mod:`.ledger`: the erasure ledger.

Fields, constraints and help texts only; the writes are in the modules of
:mod:`rights.retention` named for each job.
"""

from .erasures import AccountClosure, DeferredErasure
from .holds import LegalHold, LegalHoldQuerySet
from .ledger import ErasureLedgerEntry
from .rules import RetentionRule, RetentionTrigger
from .runs import RetentionRun, RetentionRunQuerySet, heartbeat_timeout

__all__ = [
    "AccountClosure",
    "DeferredErasure",
    "ErasureLedgerEntry",
    "LegalHold",
    "LegalHoldQuerySet",
    "RetentionRule",
    "RetentionRun",
    "RetentionRunQuerySet",
    "RetentionTrigger",
    "heartbeat_timeout",
]
