"""Wiring, imported from ``RightsConfig.ready``: delivery starts when a disclosure or a
notice of purposes goes in progress (e.g. once its fee is paid), and the purge of
spent package files joins the nightly retention purge."""

from rights.choices import Kind, Status
from rights.workflow import on_entry

from . import purge  # noqa: F401  (registers the purger)
from .services import delivery_start


@on_entry(Status.IN_PROGRESS, Kind.DISCLOSURE)
@on_entry(Status.IN_PROGRESS, Kind.PURPOSE_NOTICE)
def start_delivery(request) -> None:
    delivery_start(request=request)
