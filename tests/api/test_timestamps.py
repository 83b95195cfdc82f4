"""Every time the API answers or sends is in UTC, written with ``Z``."""

import json

import pytest

from portal.kernel.api.callbacks import body_of
from portal.kernel.models import CallbackDelivery

pytestmark = pytest.mark.django_db

TIMES = ("received_at", "due_at", "closed_at", "updated_at")


def test_a_filed_request_answers_its_times_in_utc_as_when_it_is_read(
    client, make_client, customer_a, service_a, settings
):
    settings.TIME_ZONE = "Asia/Tokyo"
    _api_client, headers = make_client(
        ["requests:write", "requests:read"],
        [service_a],
        callback_url="https://93.184.216.34/hook",
        callback_secret="secret",
    )
    body = {
        "subject": "M-A-0001",
        "kind": "disclosure",
        "identity_verification": "verified",
        "idempotency_key": "call-1",
    }

    filed = client.post(
        "/api/v1/requests", json.dumps(body), content_type="application/json", headers=headers
    ).json()
    read = client.get(f"/api/v1/requests/{filed['reference']}", headers=headers).json()

    assert filed["due_at"] == read["due_at"]
    for answer in (filed, read):
        for name in TIMES:
            assert answer[name] is None or answer[name].endswith("Z"), (name, answer[name])
    delivery = CallbackDelivery.objects.get()
    assert delivery.payload["due_at"].endswith("Z")
    sent = json.loads(body_of(delivery))
    assert sent["occurred_at"].endswith("Z") and sent["data"]["due_at"].endswith("Z")
