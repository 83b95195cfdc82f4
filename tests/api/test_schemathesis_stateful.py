"""Schemathesis' stateful phase: it files requests and follows the OpenAPI links of
a filing (rights/api_links.py) to reading the request and reporting on it.

Generated filings name customers that do not exist, so by themselves they are
404 subject-not-found and no link is ever followed. The machine here makes each
valid filing a disclosure for a customer it registers with the client's service
(201), or, for about half of them (by the generated idempotency key's length),
sends the key of a filing made before the run (200: the same request), so that
the links of both answers are followed; filings with invalid input are sent as
generated. Each scenario runs in a savepoint rolled back after it, so that a
replayed scenario gets the same answers. Derandomised (a fixed seed) and bounded
by ``MAX_EXAMPLES`` scenarios of at most 6 steps: under a minute on SQLite and
PostgreSQL.
"""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, seed, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from rights.api_links import FILED_REQUEST_LINKS
from rights.models import ApiFiling
from rights.services import request_submit
from tests.factories import ProfileFactory, RegistrationFactory

from .schemathesis_support import connection_stays_open, schema  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("connection_stays_open")]

MAX_EXAMPLES = 15
FILING = "POST /api/v1/requests"
FILED_BEFORE = "filed-before"


def _machine(service, headers, followed: set[str]):
    """A state machine that files for a customer who exists and records each link
    it followed with the reference of a request it filed."""

    class Filings(schema.as_state_machine()):
        def setup(self):
            # Each scenario starts from the same database: Hypothesis replays a
            # scenario and expects the same answers (201, not the 200 of a key
            # an earlier scenario used).
            self.savepoint = transaction.savepoint()
            self.filings = 0

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def step(self, input):
            output = super().step(input)
            if input.transition is not None and input.is_applied:
                followed.add(input.transition.id)
            return output

        def before_call(self, case):
            if (
                case.operation.label != FILING
                or not isinstance(case.body, dict)
                or case.meta is None
                or case.meta.generation.mode != GenerationMode.POSITIVE
            ):
                return  # a filing with invalid input is sent as generated
            self.filings += 1
            if len(str(case.body.get("idempotency_key"))) % 2:
                key = FILED_BEFORE  # a filing sent again: 200, the same request
            else:
                key = f"stateful-{self.filings}"
                user = ProfileFactory().user
                RegistrationFactory(user=user, service=service)
                case.body["subject"] = user.email
            case.body.update(
                kind="disclosure",
                identity_verification="verified",
                idempotency_key=key,
                services=[],
                categories=[],
                beside=[],
            )
            case.body.pop("scope", None)
            case.body.pop("regime", None)
            case.body.pop("details", None)

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                excluded_checks=[positive_data_acceptance],
                headers=headers,
                transport_kwargs=kwargs,
            )

    return Filings


def test_the_stateful_phase_follows_the_links_of_filed_requests(make_client, service_a, customer_a):
    api_client, headers = make_client(services=[service_a], rate_limit=1_000_000)
    ApiFiling.objects.create(
        request=request_submit(subject=customer_a, requester=customer_a, kind="disclosure"),
        client=api_client,
        idempotency_key=FILED_BEFORE,
        verification="verified",
    )
    followed: set[str] = set()
    machine = _machine(service_a, headers, followed)
    seed(20261207)(machine.TestCase)
    machine.run(
        settings=settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            stateful_step_count=6,
        )
    )

    assert followed, "no link was followed"
    links = {(status, name) for status in ("200", "201") for name in FILED_REQUEST_LINKS}
    named = {tuple(link.split(" -> ")[1].split(" ")) for link in followed}
    assert {(status.strip("[]"), name) for status, name in named} == links, followed
