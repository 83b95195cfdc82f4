"""A shared cache that is down or hangs: customer pages still pass the policy gate,
which then reads the versions itself, and no cache call holds a page for long."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import override_settings

from consent import selectors, services
from consent.models import ConsentRecord
from portal.kernel.models import Service
from tests.cache_support import closed_loopback_port, redis_cache
from tests.consent_support import new_policy_version
from tests.factories import PASSWORD, ServiceFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on: connections are refused."""
    return closed_loopback_port()


@pytest.fixture
def hanging_port():
    """A loopback port that accepts connections and never answers (a frozen Redis)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


def _logged_in(client, customer):
    services.policy_accept(
        subject=customer,
        version=selectors.current_policy_version(),
        method=ConsentRecord.Method.SIGNUP,
    )
    response = client.post("/accounts/login/", {"username": customer.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # the gate found the session clear
    return client


@pytest.mark.parametrize("failure", ["closed_port", "hanging_port"])
def test_the_policy_gate_reads_the_versions_when_the_cache_cannot_answer(
    client, customer, failure, request
):
    _logged_in(client, customer)
    port = request.getfixturevalue(failure)
    with override_settings(CACHES=redis_cache(port)):
        started = time.monotonic()
        assert client.get("/").status_code == 200
        took = time.monotonic() - started
    assert took < 5, took


def test_a_material_version_stops_a_clear_session_while_the_cache_is_down(
    client, customer, closed_port
):
    """APPI art. 21: the gate does not rely on the cache to stop a customer."""
    _logged_in(client, customer)
    new_policy_version(material=True, version="2")
    with override_settings(CACHES=redis_cache(closed_port)):
        response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/consent/policy/")


def test_a_redis_cache_fails_a_call_within_a_second():
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'; "
        "django.setup(); from django.conf import settings; "
        "options = settings.CACHES['default']['OPTIONS']; "
        "print(options['SOCKET_CONNECT_TIMEOUT'], options['SOCKET_TIMEOUT'])"
    )
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:6379/0"}
    env.pop("CACHE_URL", None)
    command = [sys.executable, "-c", script]
    run = subprocess.run(command, env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    assert run.stdout.split() == ["1", "1"]


def test_the_health_check_fails_while_the_cache_cannot_answer(client, closed_port):
    """A CACHE_URL naming a port nothing listens on passed the start and /healthz
    said "ok" while the login throttle and the rate limits counted nothing."""
    assert client.get("/healthz").json()["cache"] == "ok"
    with override_settings(CACHES=redis_cache(closed_port)):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["cache"].startswith("error: ")
    assert body["status"] == "error"


def test_my_data_is_shown_while_the_cache_cannot_answer(stepped_up_client, closed_port):
    """The texts and the rendered view are kept in the cache only to go faster."""
    with override_settings(CACHES=redis_cache(closed_port)):
        response = stepped_up_client.get("/my-data/")
    assert response.status_code == 200


def test_staff_change_a_cached_table_while_the_cache_cannot_answer(closed_port):
    """A save of a table whose values are cached gives them a new token in the cache;
    with the cache down that raised, and the save was rolled back."""
    with override_settings(CACHES=redis_cache(closed_port)):
        service = ServiceFactory(code="outage")
        service.name = "During the outage"
        service.save()
    assert Service.objects.get(code="outage").name == "During the outage"
