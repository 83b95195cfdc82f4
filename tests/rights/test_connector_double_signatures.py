"""The test double refuses what the contract tells every service to refuse.

docs/connectors.md holds the double up as the contract implemented
(``make demo-connector``): a service "refuses (401) a signature that does not
match or a timestamp more than 300 seconds from its clock". A call captured and
replayed later, or signed by a clock far off, must be refused by the double as
by any service. The double runs on a loopback port; the calls are real HTTP.
"""

import json
import time
import urllib.error
import urllib.request

import pytest

from rights.connectors.signing import KEY_HEADER, signed_headers

from .connector_support import SECRET, started_double


@pytest.fixture(scope="module")
def double():
    service = started_double()
    yield service
    service.stop()


def _post(double, *, skew: int, secret: str = SECRET, key: str) -> int:
    body = json.dumps(
        {
            "request_id": key,
            "operation": "access",
            "subject": {"customer_id": "1", "email": "a@x.jp"},
        }
    ).encode()
    headers = {
        "Content-Type": "application/json",
        KEY_HEADER: key,
        **signed_headers(secret, body, now=time.time() + skew),
    }
    call = urllib.request.Request(f"{double.url}/dsr/access", body, headers, method="POST")
    try:
        with urllib.request.urlopen(call, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize(
    ("skew", "status"), [(0, 200), (-290, 200), (290, 200), (-310, 401), (310, 401)]
)
def test_a_timestamp_further_than_300_seconds_is_refused(double, skew, status):
    assert _post(double, skew=skew, key=f"k{skew}") == status


def test_a_signature_under_another_secret_is_refused(double):
    assert _post(double, skew=0, secret="another", key="k-other") == 401
