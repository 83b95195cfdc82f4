"""Filing a request through the API as a client would: ``POST /api/v1/requests``."""

import json
import threading

from django.db import connection
from django.test import Client

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


def api_file_at_once(headers, keys, **fields):
    """Each idempotency key in ``keys`` POSTs from its own thread at the same moment.

    The answers come back in the order they finished. Each thread closes its own
    database connection, so the test needs ``django_db(transaction=True)``.
    """
    barrier = threading.Barrier(len(keys))
    answers = []

    def call(key):
        try:
            barrier.wait()
            answers.append(api_file(Client(), headers, idempotency_key=key, **fields))
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
