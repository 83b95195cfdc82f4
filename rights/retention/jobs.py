"""The scheduled retention jobs by name, as ``manage.py run_retention`` and the beat run them.

* :func:`~.deferred.run_deferred`: deletion steps whose hold has ended;
* :func:`~.sweep.run_sweep`: data past its rule's period, erased by rule;
* :func:`~.purge.run_purge`: files past their keep period;
* :func:`~.replay.reapply_erasures` (by command only): the ledger applied
  again after a restore.

Each is recorded as a :class:`RetentionRun` (:mod:`.runs`).
"""

from __future__ import annotations

from .deferred import run_deferred
from .models import RetentionRun
from .purge import run_purge
from .sweep import run_sweep

JOBS = {
    RetentionRun.Job.DEFERRED: run_deferred,
    RetentionRun.Job.SWEEP: run_sweep,
    RetentionRun.Job.PURGE: run_purge,
}
