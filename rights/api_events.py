"""What the API's clients are told when a request changes, and the status vocabulary
they read (docs/api.md).

:func:`status_changed` is called by the workflow inside every transition's
transaction, and by ``request_submit`` for the first status: each client with
a callback URL that sees the request (:meth:`RightsRequestQuerySet.concerning_services`,
the service handler's rule) gets one signed callback per change, through the
outbox (:mod:`portal.kernel.api.callbacks`). The payload names the request and
its statuses only; nothing personal.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from portal.kernel.api.callbacks import callback_clients, event_enqueue

from .choices import Kind, Status
from .models import ApiFiling, RightsRequest

#: Our statuses in OpenDSR's four: waiting for anyone is "pending", being
#: carried out is "in_progress", answered (also partly) is "completed", and
#: ended without an answer (rejected, withdrawn, expired) is "cancelled".
OPENDSR_STATUS = {
    Status.SUBMITTED: "pending",
    Status.AWAITING_VERIFICATION: "pending",
    Status.IN_REVIEW: "pending",
    Status.AWAITING_CUSTOMER: "pending",
    Status.AWAITING_PAYMENT: "pending",
    Status.IN_PROGRESS: "in_progress",
    Status.COMPLETED: "completed",
    Status.PARTIALLY_COMPLETED: "completed",
    Status.REJECTED: "cancelled",
    Status.WITHDRAWN: "cancelled",
    Status.EXPIRED: "cancelled",
}
OPENDSR_STATUSES = ("pending", "in_progress", "completed", "cancelled")

#: Our kinds that are OpenDSR request types; the others have none (null).
OPENDSR_TYPE = {Kind.DISCLOSURE: "access", Kind.DELETION: "erasure"}


def statuses_for_opendsr(opendsr_status: str) -> list[str]:
    return [str(ours) for ours, theirs in OPENDSR_STATUS.items() if theirs == opendsr_status]


def requests_seen_by(client, services) -> QuerySet:
    """The requests an API client of ``services`` (a Service queryset) sees.

    Those concerning its services (:meth:`RightsRequestQuerySet.concerning_services`),
    and also those it filed, whatever became of the customer's registrations
    since: a deletion of everything erases them while the client still follows
    the request and reports its systems' parts.
    """
    filed = ApiFiling.objects.filter(request_id=OuterRef("pk"), client=client)
    concerning = RightsRequest.objects.concerning_services(services).filter(pk=OuterRef("pk"))
    return RightsRequest.objects.filter(Exists(concerning) | Exists(filed))


#: The scopes whose holders are told of a request's changes: those that file, read or
#: fulfil requests, not a client that only asks permissions.
REQUEST_SCOPES = ("requests:write", "requests:read", "fulfilment:write")


def clients_seeing(request: RightsRequest) -> list:
    """Clients with a callback URL and a requests' scope that see ``request``."""
    seeing = []
    for client in callback_clients(REQUEST_SCOPES).prefetch_related("services"):
        if (
            client.all_services
            or requests_seen_by(client, client.services.all()).filter(pk=request.pk).exists()
        ):
            seeing.append(client)
    return seeing


def status_changed(request: RightsRequest, *, from_status: str | None, to_status: str) -> None:
    """Queue a ``request.status_changed`` callback to every client that sees ``request``."""
    clients = clients_seeing(request)
    if not clients:
        return
    event_enqueue(
        clients,
        "request.status_changed",
        {
            "reference": request.reference,
            "kind": request.kind,
            "opendsr_type": OPENDSR_TYPE.get(request.kind),
            "previous_status": from_status,
            "status": to_status,
            "opendsr_status": OPENDSR_STATUS[to_status],
            "due_at": request.due_at,
        },
    )
