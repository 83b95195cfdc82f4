"""Fault tests: a real Celery worker and beat against a Redis the tests may stop.

Run through ``tests/faults/run``, which starts that Redis on a free port and
points ``REDIS_URL`` at it before Django starts. The worker and beat are
separate processes (``celery -A portal worker|beat``) on the test database;
they write their mail to files in a temporary directory, which the tests read
back to count what each customer received.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from portal.kernel.celery import app as celery_app
from portal.kernel.staff import staff_create
from rights.models import RequestNotification, RightsRequest
from rights.notice_text import render_notice
from rights.notifications import recipient_of
from tests.factories import ProfileFactory, RegistrationFactory, ServiceFactory

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
SEPARATOR = b"\n" + b"-" * 79 + b"\n"


FIGURES: list[str] = []


def report(line: str) -> None:
    """A figure the run prints at its end (timings of filings, of recovery)."""
    FIGURES.append(line)


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("fault test figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


FAULTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    """Mark the fault tests, which commit. The hook is handed every test of the run,
    those of other directories too when they run in the same process: only the tests
    under this directory are marked (another test keeps its own database marks)."""
    for item in items:
        if FAULTS not in Path(item.path).resolve().parents:
            continue
        item.add_marker(pytest.mark.faults)
        item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


def wait_for(predicate, *, timeout: float, interval: float = 0.2, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what or predicate}")


class FaultRedis:
    """A redis-server of the tests' own, on the port REDIS_URL names."""

    def __init__(self, port: int, workdir: Path):
        self.port = port
        self.pidfile = workdir / f"redis-{port}.pid"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.settimeout(0.5)
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.pidfile),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wait_for(self.ping, timeout=10, what="redis to start")

    def pid(self) -> int:
        return int(self.pidfile.read_text().strip())

    def stop(self) -> None:
        """Stop it hard, as a crash would: nothing is saved (it saves nothing anyway)."""
        pid = self.pid()
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not _alive(pid), timeout=10, what="redis to stop")
        self.pidfile.unlink(missing_ok=True)

    def freeze(self) -> None:
        """Redis stops answering but keeps its connections open (a hung server)."""
        os.kill(self.pid(), signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.pid(), signal.SIGCONT)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie of a daemonised redis is reaped by init; treat it as gone.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


@pytest.fixture(scope="session", autouse=True)
def fault_redis(tmp_path_factory):
    """The tests' own Redis; the port must be free, so no one else's server is stopped.

    Started before any fault test, whichever runs first: REDIS_URL (the broker and the
    shared cache) names this server for the whole run."""
    if os.environ.get("FAULTS_REDIS") != "1":
        pytest.skip("run through tests/faults/run, which gives these tests a Redis to stop")
    url = urlsplit(settings.REDIS_URL)
    assert url.port and url.port != 6379, "refusing to stop the Redis on 6379"
    redis = FaultRedis(url.port, tmp_path_factory.mktemp("redis"))
    assert not redis.ping(), f"a Redis already answers on port {url.port}; choose a free port"
    redis.start()
    yield redis
    if redis.pidfile.exists():
        redis.thaw()
        redis.stop()


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


def read_mail(mail_dir: Path) -> list[email.message.EmailMessage]:
    """Every message the worker wrote with Django's file e-mail backend."""
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return messages


class Processes:
    """Celery worker and beat processes on the test database, stopped at the end."""

    def __init__(self, tmp_path: Path, mail_dir: Path):
        self.tmp_path = tmp_path
        self.mail_dir = mail_dir
        self.running: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}

    def env(self, **extra) -> dict:
        db = connection.settings_dict
        database_url = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
        return {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": settings.REDIS_URL,
            "EMAIL_URL": f"filemail:///{self.mail_dir}",
            "SITE_URL": "http://testserver",
            "OUTBOX_DRAIN_SECONDS": "1",
            # Checkpoints of this run's audit chain, not of the working copy's var/.
            "AUDIT_CHECKPOINT_FILE": str(self.tmp_path / "audit-checkpoints.jsonl"),
            "PYTHONUNBUFFERED": "1",
            **extra,
        }

    def start(self, name: str, *args: str, **env) -> subprocess.Popen:
        log = self.tmp_path / f"{name}.log"
        self.logs[name] = log
        process = subprocess.Popen(
            [str(CELERY), "-A", "portal", *args],
            cwd=ROOT,
            env=self.env(**env),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill it with its pool
        )
        self.running[name] = process
        return process

    def start_worker(self, name: str = "worker", *, concurrency: int = 2, **env):
        process = self.start(
            name,
            "worker",
            "--loglevel=info",
            f"--concurrency={concurrency}",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
            f"--hostname={name}-{os.getpid()}@%h",
            **env,
        )
        wait_for(
            lambda: b"ready." in self.logs[name].read_bytes(),
            timeout=60,
            what=f"{name} to be ready",
        )
        return process

    def start_beat(self, name: str = "beat", **env):
        """A beat with a schedule file of its own (several may run, as by mistake in production)."""
        schedule = self.tmp_path / f"{name}-schedule"
        return self.start(
            name, "beat", "--loglevel=info", f"--schedule={schedule}", "--pidfile=", **env
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the whole process group (the worker and its pool)."""
        process = self.running.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.running):
            process = self.running[name]
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill(name)
            else:
                self.running.pop(name)

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")


@pytest.fixture
def processes(fault_redis, tmp_path, mail_dir):
    running = Processes(tmp_path, mail_dir)
    try:
        yield running
    finally:
        running.stop_all()


@pytest.fixture
def broker_publishing():
    """Tasks in this process go to the broker, as in a web process."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture
def officer(db):
    user, _device, _password = staff_create(email="officer@example.com", password="x-Off-2026!")
    return user


def expected_notices() -> list[tuple[str, str]]:
    """(recipient, subject) of every notice recorded, in the recipient's language."""
    expected = []
    for notification in RequestNotification.objects.select_related(
        "request__subject", "request__requester"
    ):
        recipient = recipient_of(notification.request)
        subject, _body = render_notice(notification, language=recipient.language)
        expected.append((recipient.email, subject))
    return sorted(expected)


def mailed_notices(mail_dir) -> list[tuple[str, str]]:
    references = {request.reference for request in RightsRequest.objects.all()}
    return sorted(
        (str(message["To"]), str(message["Subject"]))
        for message in read_mail(mail_dir)
        if any(reference in str(message["Subject"]) for reference in references)
    )


def customer_with_history(records: int):
    """A customer with ``records`` usage records of one service, written in one statement."""
    from portal.kernel.encryption import encrypt
    from portal.records.models import UsageRecord

    customer = ProfileFactory(user__language="en").user
    service = ServiceFactory()
    RegistrationFactory(user=customer, service=service)
    # The detail is encrypted at rest, as the portal writes it: twelve episodes.
    details = [encrypt(f"Episode {n}") for n in range(1, 13)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {UsageRecord._meta.db_table}
                (user_id, service_id, occurred_at, activity, detail, channel, ip_address)
            SELECT %s, %s, now() - g * interval '7 minutes', 'view',
                   (%s::text[])[1 + g %% 12], 'app', ('203.0.113.' || (g %% 254 + 1))::inet
            FROM generate_series(1, %s) AS g
            """,
            [customer.pk, service.pk, details, records],
        )
    return customer


def pool_children(pid: int) -> list[int]:
    """The pool processes of the worker whose main process is ``pid``."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]
