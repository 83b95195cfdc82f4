"""A system answering for its part of a deletion: as an HTTP connector whose call went
out (its signed callback), and a legal hold placed on the customer's contact data."""

import json

from django.test import Client
from django.utils import timezone

from rights.connectors.models import SystemTask
from rights.connectors.signing import signed_headers
from rights.retention.holds.services import hold_place

SECRET = "s3cret-of-the-archive-0123456789abcdef"


def sent_over_http(deletion, archive, **fields) -> SystemTask:
    """The archive's part went out as an HTTP call, which the archive accepted (202)."""
    archive.mode, archive.secret = "api", SECRET
    archive.base_url = "https://archive.example"
    archive.save(update_fields=["mode", "secret", "base_url"])
    fields = {"mode": "api", "accepted_at": timezone.now(), "attempts": 1, **fields}
    SystemTask.objects.filter(request=deletion).update(**fields)
    return SystemTask.objects.get(request=deletion)


def report(request, headers, **body):
    """The client's report of its system's part (``POST …/fulfilment``), cookie-less."""
    return Client().post(
        f"/api/v1/requests/{request.reference}/fulfilment",
        json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def callback(task, status="done", **more):
    """The system's signed callback with a final ``status`` (and ``more`` members)."""
    body = json.dumps({"request_id": str(task.key), "status": status, "count": 3, **more}).encode()
    return Client().post(
        f"/connectors/callback/{task.key}/",
        body,
        content_type="application/json",
        headers=signed_headers(SECRET, body),
    )


def hold_contact_data(officer, request, capture) -> None:
    """A privacy officer holds the customer's contact data (for a court)."""
    with capture(execute=True):
        hold_place(
            actor=officer,
            reason="Claim pending in court",
            legal_basis="GDPR art. 17(3)(e)",
            subject=request.subject,
            categories=["contact"],
        )
