"""Schemathesis against the generated OpenAPI document: every endpoint, valid and
invalid inputs; no answer is a 500 and every answer matches its schema.

Derandomised by the "ci" Hypothesis profile (tests/conftest.py: the same
examples on every run; ``HYPOTHESIS_PROFILE=explore`` draws new ones) and
bounded by ``MAX_EXAMPLES`` per endpoint so that it stays under a minute on
SQLite. The calls go through Django's WSGI application in this process,
authenticated with a key that holds every scope, against a database holding
a customer, a request and the seeded purposes. Every check runs but
``positive_data_acceptance``: input the schema allows may still name nothing
that exists (a purpose code, a cursor), and the API answers that 422 or 404
as documented.
"""

import pytest
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from consent.models import Recipient
from rights.services import request_submit

from .schemathesis_support import connection_stays_open, schema  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("connection_stays_open")]

MAX_EXAMPLES = 40


@pytest.fixture
def key_headers(make_client, customer_a, service_a):
    request_submit(subject=customer_a, requester=customer_a, kind="disclosure")
    Recipient.objects.create(name_ja="委託先", name_en="Processor", kind="subcontractor")
    _client, headers = make_client(services=[service_a], rate_limit=1_000_000)
    return headers


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_input_as_documented(case, key_headers):
    case.call_and_validate(headers=key_headers, excluded_checks=[positive_data_acceptance])
