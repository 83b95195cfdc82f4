"""Production serving: gunicorn with the production settings, static files by whitenoise."""

import contextlib
import dataclasses
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import shared_cache_url
from tests.serve_support import ROOT, collected_static, production_env, start_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    for port in range(8110, 8120):  # this project's range on shared machines
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str | None:
    """The test database, for PostgreSQL; SQLite's is in memory (None: the process has none)."""
    if connection.vendor != "postgresql":
        return None
    db = connection.settings_dict
    host = db.get("HOST") or "127.0.0.1"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def _get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@dataclasses.dataclass(frozen=True)
class Prepared:
    """The collected static files, the migrated SQLite database (None on PostgreSQL) and
    the keys it was migrated with, which every server of the run is given."""

    static: Path
    database: Path | None
    keys: dict[str, str]


@pytest.fixture(scope="session")
def prepared(tmp_path_factory, request):
    """What `make serve` does before gunicorn starts, done once for this process's tests:
    the static files collected (the same for every server: they are read, never written;
    kept in pytest's cache for the next run while their sources are unchanged) and, on
    SQLite, a database migrated, which each server gets a copy of."""
    directory = tmp_path_factory.mktemp("serve")
    env = production_env(directory, 0, CACHE_URL=shared_cache_url())
    cache = getattr(request.config, "cache", None)
    static = collected_static(env, cache.mkdir("collected-static") if cache else None)
    template = None
    if not _database_url():
        # As `make serve` does before starting: /healthz reads the outbox table.
        template = directory / "migrated.sqlite3"
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=ROOT,
            env={**env, "DATABASE_URL": f"sqlite:///{template}"},
            check=True,
        )
    keys = {name: env[name] for name in ("FIELD_ENCRYPTION_KEYS", "DISCLOSURE_ENCRYPTION_KEY")}
    return Prepared(static=static, database=template, keys=keys)


def _served_database(tmp_path, prepared: Prepared) -> str:
    """The test database's URL on PostgreSQL; else a copy of the migrated SQLite file."""
    database_url = _database_url()
    if database_url is None:
        shutil.copyfile(prepared.database, tmp_path / "db.sqlite3")
        database_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    return database_url


@contextlib.contextmanager
def _served(tmp_path, prepared: Prepared, **variables):
    """gunicorn with the production settings on a free port; yields its base URL."""
    port = _free_port()
    env = production_env(
        tmp_path,
        port,
        LOG_FORMAT="json",
        DATABASE_URL=_served_database(tmp_path, prepared),
        CACHE_URL=shared_cache_url(),
        STATIC_ROOT=str(prepared.static),
        **prepared.keys,
        **variables,
    )
    log = (tmp_path / "gunicorn.log").open("w+")
    process = start_gunicorn(env, log, collect=False)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                # Any answer will do, a redirect to HTTPS too (SECURE_SSL_REDIRECT), which
                # _get would follow to a TLS handshake the plain server never completes.
                _status_from("127.0.0.1", f"{base}/healthz", {})
                break
            except OSError:
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture
def production_server(tmp_path, prepared):
    with _served(tmp_path, prepared) as base:
        yield base, tmp_path


def test_gunicorn_serves_the_portal_and_hashed_compressed_static_files(production_server, prepared):
    base, tmp_path = production_server
    status, headers, body = _get(f"{base}/healthz", {"X-Request-ID": "probe-0001-abcd"})
    assert status == 200, body
    assert json.loads(body)["database"] == "ok"
    assert headers["Server"].startswith("gunicorn")
    assert headers["X-Request-ID"] == "probe-0001-abcd"

    manifest = json.loads((prepared.static / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/portal.css"]
    assert hashed != "css/portal.css"  # a content hash in the name
    if connection.vendor == "postgresql":
        status, _headers, page = _get(f"{base}/accounts/login/")
        assert status == 200
        assert f"/static/{hashed}".encode() in page

    for encoding in ("br", "gzip"):
        status, headers, body = _get(f"{base}/static/{hashed}", {"Accept-Encoding": encoding})
        assert status == 200
        assert headers["Content-Encoding"] == encoding
        assert "immutable" in headers["Cache-Control"]
    status, headers, body = _get(f"{base}/static/{hashed}")
    assert status == 200 and "Content-Encoding" not in headers
    assert b"{" in body  # plain CSS for a client that asks for no compression

    # One JSON object a line; the access line names the request id, not the query.
    _get(f"{base}/healthz?q=someone@example.com", {"X-Request-ID": "probe-0002-abcd"})
    _wait_for_access_lines(tmp_path, ["probe-0002-abcd"])
    output = (tmp_path / "gunicorn.log").read_text().splitlines()
    lines = [json.loads(line) for line in output if line.startswith("{")]
    access = [line for line in lines if line["name"] == "gunicorn.access"]
    assert any("probe-0002-abcd" in line["message"] for line in access), access
    assert not any("someone@example.com" in json.dumps(line) for line in lines)


def test_the_access_log_masks_the_tokens_of_link_paths(production_server):
    """Download, follow and agent links are as good as a password while they work: whoever
    reads the logs must not find them there (the JSON access line still written)."""
    base, tmp_path = production_server
    tokens = {
        "downloads": "dl-Secret0123456789abcdefTOKEN",
        "requests/follow": "eyJyIjoxfQ:1followSECRETtoken",
        "requests/confirm-agent": "7-agentSECRET0123456789abcdef",
    }
    for number, (prefix, token) in enumerate(tokens.items()):
        _get(f"{base}/{prefix}/{token}/", {"X-Request-ID": f"probe-mask-{number:04d}"})
    _wait_for_access_lines(tmp_path, [f"probe-mask-{n:04d}" for n in range(len(tokens))])
    text = (tmp_path / "gunicorn.log").read_text()
    for token in tokens.values():
        assert token not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    access = [line["message"] for line in lines if line["name"] == "gunicorn.access"]
    for number, prefix in enumerate(tokens):
        # A redirect to the login page is followed with the same request id.
        mine = [m for m in access if f"request_id=probe-mask-{number:04d}" in m]
        assert [m for m in mine if m.startswith(f'"GET /{prefix}/[token]/" ')], mine


def test_the_configuration_page_documents_every_environment_variable_the_processes_read():
    import re

    read = set()
    settings_source = (ROOT / "portal" / "settings.py").read_text()
    read |= set(re.findall(r'env(?:\.[a-z_]+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    # What the portal publishes about the company: the setting and its English twin.
    for name in re.findall(r'_published\(\s*"([A-Z][A-Z0-9_]+)"', settings_source):
        read |= {name, f"{name}_EN"}
    gunicorn_source = (ROOT / "portal" / "gunicorn.conf.py").read_text()
    read |= set(re.findall(r"environ\.get\(\s*['\"]([A-Z][A-Z0-9_]+)['\"]", gunicorn_source))
    read |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", (ROOT / "portal" / "Procfile").read_text()))
    assert {"DATABASE_URL", "REDIS_URL", "PORT", "WEB_CONCURRENCY", "CELERY_CONCURRENCY"} <= read
    documented = set(
        re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs" / "configuration.md").read_text())
    )
    assert sorted(read - documented) == []
    # The README names the ones a deployment sets and links to the full table.
    readme = (ROOT / "README.md").read_text()
    assert "docs/configuration.md" in readme
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS"} <= set(
        re.findall(r"`([A-Z][A-Z0-9_]+)`", readme)
    )


def _status_from(address: str, url: str, headers: dict) -> tuple[int, str]:
    """GET ``url`` from the local ``address`` (any 127.x reaches the loopback);
    the status and the Location header, redirects not followed."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=30, source_address=(address, 0)
    )
    try:
        connection.request("GET", parts.path, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Location") or ""
    finally:
        connection.close()


def test_https_is_believed_only_from_the_proxies_gunicorn_trusts(tmp_path, prepared):
    """A client that reaches gunicorn directly and claims `X-Forwarded-Proto: https`
    is still redirected to HTTPS (and its cookies stay secure-only); the same header
    from an address in FORWARDED_ALLOW_IPS is believed."""
    claim = {"X-Forwarded-Proto": "https"}
    with _served(
        tmp_path, prepared, SECURE_SSL_REDIRECT="1", FORWARDED_ALLOW_IPS="127.0.0.1"
    ) as base:
        from_proxy = _status_from("127.0.0.1", f"{base}/healthz", claim)
        from_client = _status_from("127.0.0.2", f"{base}/healthz", claim)
        plain = _status_from("127.0.0.1", f"{base}/healthz", {})
    assert from_proxy[0] == 200, from_proxy
    assert from_client[0] == 301 and from_client[1].startswith("https://"), from_client
    assert plain[0] == 301, plain


def _serve_port(tmp_path, **variables) -> str:
    """The PORT `make serve`'s honcho line gives the web process (a Procfile that prints it)."""
    env = {k: v for k, v in os.environ.items() if k != "PORT"}
    env.update(variables)
    dry = subprocess.run(
        ["make", "-n", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    [line] = [line for line in dry.stdout.splitlines() if "honcho" in line]
    (tmp_path / "Procfile").write_text("web: echo web-port=$PORT\n")
    line = line.replace("portal/Procfile", str(tmp_path / "Procfile"))
    line = line.replace("--app-root .", f"--app-root {tmp_path}")
    run = subprocess.run(
        ["bash", "-c", line], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    return run.stdout.split("web-port=")[1].split()[0]


@pytest.mark.django_db(transaction=False)
def test_make_serve_listens_on_the_documented_port(tmp_path):
    """docs/configuration.md: gunicorn listens on PORT, 8000 by default. honcho gives
    its first process PORT=5000 when none is set, so `make serve` listened there."""
    assert _serve_port(tmp_path) == "8000"
    assert _serve_port(tmp_path, PORT="8123") == "8123"


def _procfile_command(name: str) -> str:
    """The command of process ``name`` in portal/Procfile, as honcho reads it."""
    for line in (ROOT / "portal" / "Procfile").read_text().splitlines():
        key, _, command = line.partition(":")
        if key.strip() == name:
            return command.strip()
    raise AssertionError(f"no {name} line in portal/Procfile")


def _children(pid: int) -> set[int]:
    listed = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
    )
    return {int(word) for word in listed.stdout.split()}


@contextlib.contextmanager
def _started_like_honcho(name: str, env: dict, log):
    """Process ``name`` of portal/Procfile started as `make serve`'s honcho starts it
    (its Popen: through the shell, in a session of its own, the virtualenv on PATH);
    yields it: its pid is the one honcho prints ("web.1 started (pid=...)")."""
    from honcho.process import Popen

    path = f"{Path(sys.executable).parent}:{env['PATH']}"
    process = Popen(
        _procfile_command(name), env={**env, "PATH": path}, cwd=ROOT, stdout=log, stderr=log
    )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the whole session: nothing left behind
        process.wait(timeout=30)


def _wait_for_access_lines(tmp_path, request_ids) -> None:
    """Until gunicorn has written the access line of each request (it writes after answering)."""
    log = tmp_path / "gunicorn.log"
    _wait_for(
        lambda: all(f"request_id={request_id}" in log.read_text() for request_id in request_ids),
        f"the access lines of {request_ids}",
        seconds=15,
    )


def _wait_for(condition, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _answers(base: str) -> bool:
    try:
        return _status_from("127.0.0.1", f"{base}/healthz", {})[0] == 200
    except OSError:
        return False


def test_hup_to_the_web_pid_honcho_shows_reloads_gunicorn(tmp_path, prepared):
    """docs/operations.md: `kill -HUP` on the web process reloads gunicorn's workers.
    honcho ran the Procfile line through `sh -c`, so the pid it showed was the shell's:
    HUP ended the shell, and gunicorn (orphaned) never reloaded."""
    port = _free_port()
    env = production_env(
        tmp_path,
        port,
        DATABASE_URL=_served_database(tmp_path, prepared),
        CACHE_URL=shared_cache_url(),
        STATIC_ROOT=str(prepared.static),
        **prepared.keys,
    )
    base = f"http://127.0.0.1:{port}"
    with (tmp_path / "web.log").open("w+") as log, _started_like_honcho("web", env, log) as web:
        _wait_for(lambda: _answers(base), "gunicorn to answer /healthz")
        workers = _children(web.pid)
        assert workers
        os.kill(web.pid, signal.SIGHUP)
        _wait_for(lambda: _children(web.pid) and not _children(web.pid) & workers, "new workers")
        _wait_for(lambda: _answers(base), "/healthz after the reload", seconds=30)
        assert web.poll() is None, (tmp_path / "web.log").read_text()
        assert "Handling signal: hup" in (tmp_path / "web.log").read_text()


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_term_to_the_celery_pid_honcho_shows_stops_celery(tmp_path, prepared, name):
    """A TERM to the pid honcho shows for the worker (or the beat) reaches Celery: the
    worker shuts down warm (its current task finishes or goes back to the queue) and
    nothing of it is left running. Through `sh -c` it ended the shell alone."""
    env = production_env(
        tmp_path,
        0,
        DATABASE_URL=_served_database(tmp_path, prepared),
        REDIS_URL=shared_cache_url(),
        CACHE_URL=shared_cache_url(),
        CELERY_CONCURRENCY="1",
        **prepared.keys,
    )
    (ROOT / "var").mkdir(exist_ok=True)  # the beat's schedule file, as `make serve` makes it
    output = tmp_path / f"{name}.log"
    with output.open("w+") as log, _started_like_honcho(name, env, log) as process:
        ready = "ready." if name == "worker" else "beat: Starting..."
        _wait_for(lambda: ready in output.read_text(), f"the {name} to start")
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        with pytest.raises(ProcessLookupError):  # the process group is empty: celery ended
            _wait_for(lambda: os.killpg(process.pid, 0) and False, "celery to end", seconds=10)
        if name == "worker":
            assert "Warm shutdown" in output.read_text()
