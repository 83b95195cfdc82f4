"""Filing a request through the API as a client would: ``POST /api/v1/requests``."""

import json

URL = "/api/v1/requests"


def api_file(client, headers, **fields):
    """POST a request for the customer M-A-0001 (``fields`` add to or replace the body)."""
    body = {
        "subject": "M-A-0001",
        "kind": "disclosure",
        "identity_verification": "verified",
        "idempotency_key": "call-1",
        **fields,
    }
    return client.post(URL, json.dumps(body), content_type="application/json", headers=headers)
