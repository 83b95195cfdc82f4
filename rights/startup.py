"""What the rights app sets up once the models are loaded (called from RightsConfig.ready).

Checks its settings, declares its staff-access scope (a handler sees a request's records through
the request first), connects the work that starts when a request enters a
status (a deletion in progress queues its erasure, a disclosure in progress is
delivered) and registers the purgers of the nightly purge.
"""

from portal.kernel import access, jobs
from portal.kernel.api import subjects as api_subjects

from . import configuration
from .connectors import hooks as connector_hooks
from .connectors import outcomes as connector_outcomes
from .disclosure import crypto
from .disclosure import hooks as disclosure_hooks
from .models import RightsRequest
from .requesters import purge as requester_purge
from .retention import hooks as retention_hooks
from .retention.holds.selectors import held_subject_ids
from .selectors import requests_visible_to

# Imported for what importing them does: register their purgers.
__all__ = ["connector_hooks", "disclosure_hooks", "requester_purge"]


def ready() -> None:
    # Every process stops here when a rights setting (regime, time zone, holiday
    # country, public rate, fiscal year's month) cannot work.
    configuration.check_settings()
    # ... and when the key of the files encrypted at rest (packages, documents,
    # attachments) is: not at the first upload or package.
    crypto.master_keys()
    access.register_scope(
        path="request_path",
        model=RightsRequest,
        visible_to=requests_visible_to,
        subject="subject",
        handler_may=("add", "change"),
        order=10,
    )
    retention_hooks.connect()  # a deletion in progress queues its erasure
    api_subjects.register_hold_check(held_subject_ids)  # the API's permission answers
    jobs.describe_outcomes(connector_outcomes.LABELS)  # the scheduled runs page's words
