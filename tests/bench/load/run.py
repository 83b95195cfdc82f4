"""The load test: gunicorn + a Celery worker + PostgreSQL on this machine, driven by locust.

    DATABASE_URL=postgres://... REDIS_URL=redis://... python tests/bench/load/run.py

Prepares the database named by DATABASE_URL (migrate, demo data, load-test
customers and staff), starts gunicorn with the production settings (DEBUG=0)
and a Celery worker, with a file e-mail backend in a temporary directory so
the locust users can read their codes, runs locust headless for a bounded
time, stops both processes and prints requests per second, median and 95th
percentile latency and errors per page. Exits non-zero on any error.
"""

import argparse
import base64
import csv
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import environ
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from tests.bench.results import load, record  # noqa: E402 (the path above)


def free_port() -> int:
    for port in range(8111, 8120):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port in 8111-8119")


def wait_healthy(url: str, processes, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise SystemExit(f"{process.args[0]} exited with {process.returncode}")
        # As from the TLS proxy: plain HTTP is redirected to HTTPS in production.
        request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} not healthy after {timeout:.0f} s")


def stop(process) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stable_keys(database_url: str) -> dict[str, str]:
    """The keys of the load test's database: the same on every run against it.

    Rows seeded by an earlier run stay readable (a new field key each run made
    the encrypted columns unreadable and the second run fail). Derived from
    the database's address, so another database gets other keys; any of them
    set in the environment wins. Test keys only: never a production database.
    """

    def derived(purpose: str) -> bytes:
        return hashlib.sha256(f"rights-portal-load-test:{purpose}:{database_url}".encode()).digest()

    keys = {
        "SECRET_KEY": base64.urlsafe_b64encode(derived("secret") * 2).decode(),
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(derived("field")).decode(),
        "DISCLOSURE_ENCRYPTION_KEY": base64.urlsafe_b64encode(derived("disclosure")).decode(),
        "FIELD_HASH_KEY": derived("hash").hex(),
        "AUDIT_CHAIN_KEY": derived("audit").hex(),
    }
    return {name: os.environ.get(name) or value for name, value in keys.items()}


def ensure_database(database_url: str) -> None:
    """Create the PostgreSQL database named by ``database_url`` if it does not exist."""
    config = environ.Env.db_url_config(database_url)
    name = config["NAME"]
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as server:
        if not server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created the database {name}", flush=True)


#: The locust user classes of each scenario (locustfile.py).
SCENARIOS = {"mixed": ["Customer", "Staff"], "my-data": ["MyDataReader"]}
#: The goal of the my-data scenario (issue 21), and the least it must reach:
#: pages a second and 95th percentile.
MY_DATA_GOAL = (100.0, 0.200)
MY_DATA_FLOOR = (50.0, 0.250)
#: "My data" pages a second one user of the my-data scenario asks for (locustfile.py).
MY_DATA_PER_USER = 4


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="simultaneous users (20)")
    parser.add_argument("--spawn-rate", type=float, default=2, help="users started per second")
    parser.add_argument("--run-time", default="60s", help="how long locust runs (60s)")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument(
        "--scenario",
        choices=sorted(SCENARIOS),
        default="mixed",
        help="mixed: customers and staff at their pace (default); my-data: each user "
        "asks for a page every 0.2 s, in turns of four /my-data/ and one /healthz, so "
        "N users offer 4N /my-data/ pages a second (--users 25: 100 a second)",
    )
    args = parser.parse_args()
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            raise SystemExit(f"{name} must be set: the load test runs on PostgreSQL and Redis")

    work = Path(tempfile.mkdtemp(prefix="rp-load-"))
    (work / "mail").mkdir()
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        **stable_keys(os.environ["DATABASE_URL"]),
        "STATIC_ROOT": str(work / "static"),
        "PRIVATE_MEDIA_ROOT": str(work / "private"),
        "RIGHTS_ERASURE_LEDGER_FILE": str(work / "erasure-ledger.jsonl"),
        "EMAIL_URL": f"filemail:///{work / 'mail'}",  # an absolute path: four slashes
        "SITE_URL": f"https://127.0.0.1:{port}",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(args.web_workers),
        "LOG_FORMAT": "json",
        "PYTHONPATH": str(ROOT),
        "LOAD_CREDENTIALS": str(work / "credentials.json"),
        "LOAD_MAIL_DIR": str(work / "mail"),
        # An account per simulated user: two users sharing one would spend each
        # other's codes (a newer e-mailed code replaces the older one, and a
        # TOTP code is accepted once).
        "LOAD_CUSTOMERS": os.environ.get("LOAD_CUSTOMERS", str(max(60, args.users))),
        "LOAD_STAFF": os.environ.get("LOAD_STAFF", str(max(4, args.users // 5))),
    }
    python = sys.executable

    def manage(*command):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True)

    print(f"Preparing the database and static files (work directory {work})", flush=True)
    ensure_database(os.environ["DATABASE_URL"])
    manage("migrate", "--no-input", "-v0")
    manage("collectstatic", "--no-input", "-v0")
    subprocess.run(
        [python, str(HERE / "setup_data.py"), env["LOAD_CREDENTIALS"]],
        cwd=ROOT,
        env=env,
        check=True,
    )

    web_log = (work / "web.log").open("w")
    worker_log = (work / "worker.log").open("w")
    web = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "portal/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=web_log,
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [str(BIN / "celery"), "--app", "portal", "worker", "--concurrency", "1",
         "--hostname", f"load-{port}@%h"],
        cwd=ROOT,
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", [web, worker])
        print(
            f"Running locust: {args.users} users, {args.spawn_rate}/s, {args.run_time}, "
            f"gunicorn with {args.web_workers} workers on port {port}",
            flush=True,
        )
        locust = subprocess.run(
            [
                str(BIN / "locust"), "--locustfile", str(HERE / "locustfile.py"),
                "--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
                "--run-time", args.run_time, "--stop-timeout", "10",
                "--host", f"http://127.0.0.1:{port}", "--csv", str(work / "locust"),
                "--only-summary", "--loglevel", "WARNING",
                # Figures from when every user has logged in (logins hash passwords):
                # reset when the last user is spawned, and again by the locustfile
                # when the last login is over.
                "--reset-stats", *SCENARIOS[args.scenario],
            ],
            cwd=ROOT,
            env=env,
        )  # fmt: skip
    finally:
        stop(web)
        stop(worker)
        web_log.close()
        worker_log.close()
    return report(work / "locust_stats.csv", locust.returncode, args.users, args.scenario)


def report(stats_csv: Path, locust_status: int, users: int, scenario: str) -> int:
    rows = list(csv.DictReader(stats_csv.open()))
    medians = {r["Name"]: float(r["50%"]) / 1000 for r in rows if r["50%"] not in ("", "N/A")}
    by_name = {r["Name"]: r for r in rows}
    if "/my-data/" in medians and "/healthz" in medians:
        # A row of `make bench`'s table: the page against the cheapest one, same run.
        page, health = medians["/my-data/"], medians["/healthz"]
        label = "load: /my-data/ median" + (" (my-data scenario)" if scenario == "my-data" else "")
        record(label, users, page, "/healthz", health)
    print(f"\nLoad average {load()}")
    if scenario == "my-data" and "/my-data/" in by_name:
        page = by_name["/my-data/"]
        rate, p95 = float(page["Requests/s"]), float(page["95%"]) / 1000
        print(
            f"/my-data/: {rate:.1f} pages/s served of {MY_DATA_PER_USER * users:.0f}/s offered, "
            f"95th percentile {p95 * 1000:.0f} ms"
        )
        for name, (rate_goal, p95_goal) in (("goal", MY_DATA_GOAL), ("floor", MY_DATA_FLOOR)):
            met = rate >= rate_goal and p95 <= p95_goal
            print(
                f"  {name}: at least {rate_goal:.0f}/s within {p95_goal * 1000:.0f} ms: "
                f"{'met' if met else 'not met'}"
            )
    print()
    print(f"{'page':<52} {'requests':>8} {'errors':>6} {'req/s':>7} {'median':>7} {'95%':>7}")
    for row in rows:
        label = f"{row['Type']} {row['Name']}".strip()
        print(
            f"{label[:52]:<52} {row['Request Count']:>8} {row['Failure Count']:>6} "
            f"{float(row['Requests/s']):>7.1f} {row['50%']:>5}ms {row['95%']:>5}ms"
        )
    total = next(row for row in rows if row["Name"] == "Aggregated")
    errors = int(total["Failure Count"])
    print(
        f"\nTotal: {total['Request Count']} requests, {float(total['Requests/s']):.1f} requests/s, "
        f"median {total['50%']} ms, 95th percentile {total['95%']} ms, {errors} errors"
    )
    if errors or locust_status:
        print(f"FAILED: {errors} errors (locust exit status {locust_status})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
