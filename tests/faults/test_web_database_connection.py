"""The web process's database connection dropped: the next request is served (issue 17).

gunicorn runs with ``CONN_MAX_AGE`` > 0, so each web worker keeps its
PostgreSQL connection between requests. The test ends that connection's
backend with ``pg_terminate_backend`` (as a database restart or a failover
would) and asks again: Django's health check (``CONN_HEALTH_CHECKS``) finds
the connection dead and opens a new one, instead of failing with a 500.
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from tests.serve_support import production_env, start_gunicorn

from .conftest import report, wait_for

#: gunicorn's gthread threads in the one web process; each keeps its own connection.
WEB_THREADS = 2
APPLICATION = "rp-fault-web"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, cookie: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _web_backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = %s ORDER BY pid",
            [APPLICATION],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def web(fault_redis, tmp_path):
    """gunicorn, one worker, keeping its database connection for 10 minutes."""
    db = connection.settings_dict
    port = _free_port()
    env = production_env(
        tmp_path,
        port,
        WEB_THREADS=str(WEB_THREADS),
        CONN_MAX_AGE="600",
        REDIS_URL=settings.REDIS_URL,
        DATABASE_URL=(
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
            f"{db['NAME']}?application_name={APPLICATION}"
        ),
    )
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process = start_gunicorn(env, log)
    base = f"http://127.0.0.1:{port}"

    def listening() -> bool:
        assert process.poll() is None, log_path.read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            return False
        return True

    try:
        wait_for(listening, timeout=60, what="gunicorn to listen")
        yield base, log_path
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_dropped_database_connection_of_the_web_process_is_not_a_500(web):
    base, log_path = web
    # A session stored in the database: every request with it reads the database.
    session = SessionStore()
    session["fault"] = "web"
    session.create()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    assert _get(f"{base}/", cookie) == 200
    backends = _web_backends()
    assert len(backends) == 1, backends  # the kept connection of the thread that answered

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backends[0]])
        assert cursor.fetchone()[0] is True
    wait_for(lambda: _web_backends() == [], timeout=10, what="the backend to end")

    started = time.monotonic()
    statuses = [_get(f"{base}/", cookie) for _ in range(3)]
    took = time.monotonic() - started
    assert statuses == [200, 200, 200], log_path.read_text()[-3000:]
    # New connections, kept again: one per gthread thread that served a request.
    assert 1 <= len(_web_backends()) <= WEB_THREADS
    report(f"Web database connection terminated: next 3 requests 200 in {took * 1000:.0f} ms")
